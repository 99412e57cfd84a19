//! The error accumulator every stage writes to, so that one build reports every mistake.

/// Accumulates every error so that one build reports all of them.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, err: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(err),
            None => self.0 = Some(err),
        }
    }

    pub fn take(self) -> Option<syn::Error> {
        self.0
    }
}
