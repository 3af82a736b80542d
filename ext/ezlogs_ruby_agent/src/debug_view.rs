//! Debug output: events as they are logged (processed, so redacted as they
//! would be sent), grouped so that the Ruby side prints each unit of work
//! as one tree once it is complete. A request's record changes and jobs are
//! logged before the request's own event, which is logged when it ends:
//! they wait here for it, and the tree then starts with the request.
//!
//! A unit of work (a request, a job run, an enqueue) takes its event id
//! when it starts (`Native.new_event_id`) and is *open* until its event is
//! logged. An event is held while the top of its chain among the held
//! events has an open unit as parent; otherwise that chain's events are
//! ready to print. Printing is Ruby's (on an app thread, to `Rails.logger`),
//! so this module only hands the groups over.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::event::Event;
use crate::process;
use crate::sync::lock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Off = 0,
    /// One tree per completed unit of work.
    Tree = 1,
    /// One line per event, as it is logged.
    Lines = 2,
}

/// Held events and open units beyond these bounds are let go: the oldest
/// held events print as they are, the oldest open unit is forgotten. A
/// unit whose event is never logged (its tracker failed) cannot hold
/// output back for long.
const MAX_HELD: usize = 2_000;
const MAX_OPEN: usize = 1_000;

static MODE: AtomicU8 = AtomicU8::new(Mode::Off as u8);
static VIEW: Mutex<View> = Mutex::new(View::empty());

pub fn mode() -> Mode {
    match MODE.load(Ordering::Relaxed) {
        1 => Mode::Tree,
        2 => Mode::Lines,
        _ => Mode::Off,
    }
}

pub fn on() -> bool {
    mode() != Mode::Off
}

/// Sets the mode; what was held or ready under the old one is let go.
pub fn set_mode(mode: Mode) {
    MODE.store(mode as u8, Ordering::Relaxed);
    *view() = View::new();
}

/// A unit of work took `event_id`; its event comes when it ends.
pub fn opened(event_id: &str) {
    if mode() == Mode::Tree {
        view().open(event_id);
    }
}

/// A logged event, as it would be sent.
pub fn add(event: Event) {
    match mode() {
        Mode::Off => {}
        Mode::Lines => view().ready.push(vec![event]),
        Mode::Tree => view().add(event),
    }
}

/// The groups ready to print, oldest first: each a unit's events in the
/// order they were logged.
pub fn take_ready() -> Vec<Vec<Event>> {
    std::mem::take(&mut view().ready)
}

/// The view, emptied first in a forked child: the parent's held output is
/// the parent's to print. Only threads holding the GVL take the lock, and
/// none keeps it across a call that could give the GVL up, so the forking
/// thread cannot have left it held.
fn view() -> MutexGuard<'static, View> {
    let mut view = lock(&VIEW);
    if view.generation != process::generation() {
        *view = View::new();
    }
    view
}

struct View {
    generation: u64,
    open: VecDeque<String>,
    held: Vec<Event>,
    ready: Vec<Vec<Event>>,
}

impl View {
    /// Before any use (the first `view()` sets the generation).
    const fn empty() -> Self {
        Self {
            generation: u64::MAX,
            open: VecDeque::new(),
            held: Vec::new(),
            ready: Vec::new(),
        }
    }

    fn new() -> Self {
        Self {
            generation: process::generation(),
            open: VecDeque::new(),
            held: Vec::new(),
            ready: Vec::new(),
        }
    }

    fn open(&mut self, event_id: &str) {
        if self.open.len() >= MAX_OPEN {
            self.open.pop_front();
        }
        self.open.push_back(event_id.to_owned());
    }

    fn add(&mut self, event: Event) {
        self.open.retain(|id| *id != event.event_id);
        let root = self.top_of_chain(&event);
        self.held.push(event);
        if !self.waits_on_open_unit(&root) {
            self.release(&root);
        }
        while self.held.len() > MAX_HELD {
            let oldest = self.held[0].event_id.clone();
            let top = self.top_of_chain_id(&oldest);
            self.release(&top);
        }
    }

    /// The id of the topmost ancestor of `event` among the held events
    /// (the event's own id when its parent is not held).
    fn top_of_chain(&self, event: &Event) -> String {
        let mut top = event.event_id.clone();
        let mut parent = event.correlation.parent_event_id.clone();
        let mut seen = HashSet::new();
        while let Some(id) = parent {
            let Some(held) = self.held.iter().find(|e| *e.event_id == *id) else {
                break;
            };
            if !seen.insert(held.event_id.clone()) {
                break; // a loop of parent links
            }
            top = held.event_id.clone();
            parent = held.correlation.parent_event_id.clone();
        }
        top
    }

    fn top_of_chain_id(&self, event_id: &str) -> String {
        match self.held.iter().find(|e| e.event_id == event_id) {
            Some(event) => self.top_of_chain(event),
            None => event_id.to_owned(),
        }
    }

    fn waits_on_open_unit(&self, top: &str) -> bool {
        let parent = self
            .held
            .iter()
            .find(|e| e.event_id == top)
            .and_then(|e| e.correlation.parent_event_id.as_deref());
        match parent {
            Some(parent) => self.open.iter().any(|id| id == parent),
            None => false,
        }
    }

    /// Moves `top` and every held event below it to `ready`, in the order
    /// they were logged.
    fn release(&mut self, top: &str) {
        let mut members: HashSet<String> = HashSet::from([top.to_owned()]);
        // Parents are logged after their children, so grow the set until
        // it stops growing.
        loop {
            let before = members.len();
            for event in &self.held {
                if let Some(parent) = event.correlation.parent_event_id.as_deref() {
                    if members.contains(parent) {
                        members.insert(event.event_id.clone());
                    }
                }
            }
            if members.len() == before {
                break;
            }
        }
        let (group, rest): (Vec<Event>, Vec<Event>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|e| members.contains(&e.event_id));
        self.held = rest;
        if !group.is_empty() {
            self.ready.push(group);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::test_events::event_with;

    fn ids(groups: &[Vec<Event>]) -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|group| group.iter().map(|e| e.event_id.clone()).collect())
            .collect()
    }

    fn view() -> View {
        View::new()
    }

    #[test]
    fn a_requests_children_wait_for_the_request() {
        let mut view = view();
        view.open("req");
        view.add(event_with("change", Some("req")));
        view.add(event_with("enqueue", Some("req")));
        assert!(view.ready.is_empty());
        view.add(event_with("req", None));
        assert_eq!(ids(&view.ready), [["change", "enqueue", "req"]]);
        assert!(view.held.is_empty() && view.open.is_empty());
    }

    #[test]
    fn an_inline_job_prints_inside_its_request() {
        let mut view = view();
        view.open("req");
        view.open("enqueue");
        view.add(event_with("enqueue", Some("req")));
        view.open("run");
        view.add(event_with("mail", Some("run")));
        view.add(event_with("run", Some("enqueue")));
        assert!(view.ready.is_empty(), "the request is still open");
        view.add(event_with("req", None));
        assert_eq!(ids(&view.ready), [["enqueue", "mail", "run", "req"]]);
    }

    #[test]
    fn a_job_whose_enqueue_printed_earlier_prints_on_its_own() {
        let mut view = view();
        view.open("run");
        view.add(event_with("change", Some("run")));
        view.add(event_with("run", Some("enqueue_elsewhere")));
        assert_eq!(ids(&view.ready), [["change", "run"]]);
    }

    #[test]
    fn events_outside_any_unit_print_at_once() {
        let mut view = view();
        view.add(event_with("console", None));
        view.add(event_with("late", Some("finished_request")));
        assert_eq!(ids(&view.ready), [["console"], ["late"]]);
    }

    #[test]
    fn a_unit_that_never_ends_holds_output_back_only_so_long() {
        let mut view = view();
        view.open("stuck");
        for n in 0..=MAX_HELD {
            view.add(event_with(&format!("e{n}"), Some("stuck")));
        }
        assert_eq!(view.held.len(), MAX_HELD);
        assert_eq!(ids(&view.ready), [["e0"]]);
    }

    #[test]
    fn a_loop_of_parent_links_is_printed_not_followed_forever() {
        let mut view = view();
        view.add(event_with("a", Some("b")));
        view.add(event_with("b", Some("a")));
        let printed: usize = view.ready.iter().map(Vec::len).sum();
        assert_eq!(printed, 2);
    }
}
