//! What a case is: a small program whose monitored functions can each be
//! sped up, and the function whose speed-up its construction says saves the
//! most wall time.

use crate::work::Speeds;
use std::future::Future;
use std::pin::Pin;

/// A small program with a known bottleneck.
pub struct Case {
    /// A short name, unique in the suite (`--case` picks cases by it).
    pub name: &'static str,
    /// What the program does, in one line.
    pub shape: &'static str,
    /// Its monitored functions by operation name. Each one's work goes
    /// through [`Speeds`] under that name, and each is sped up in turn.
    pub functions: &'static [&'static str],
    /// The function whose speed-up saves the most wall time, by
    /// construction; the experiment must agree.
    pub bottleneck: &'static str,
    /// The program itself.
    pub program: Program,
}

/// A boxed future, the form an async case's program takes.
pub type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How a case runs.
#[derive(Clone, Copy)]
pub enum Program {
    /// On the calling thread (threads of its own are routed with
    /// [`crate::work::routed`]).
    Sync(fn(Speeds)),
    /// On a tokio runtime with one thread (`workers: None`) or a
    /// multi-thread runtime with that many workers (tasks of its own are
    /// spawned with [`crate::work::spawn`]).
    Async { workers: Option<usize>, main: fn(Speeds) -> Task },
}

impl Case {
    /// The index of the bottleneck by construction in `functions`.
    pub fn bottleneck_index(&self) -> Option<usize> {
        self.functions.iter().position(|f| *f == self.bottleneck)
    }
}
