//! Debug output: events as they are logged (processed, so redacted as they
//! would be sent), grouped so that the Ruby side prints each unit of work
//! as one tree once it is complete. A request's record changes and jobs are
//! logged before the request's own event, which is logged when it ends:
//! they wait here for it, and the tree then starts with the request.
//!
//! A unit of work (a request, a job run, an enqueue) takes its event id
//! when it starts (`Native.new_event_id`; a request's in
//! `Native.http_request_start`) and is *open* until its event is logged.
//! An event is held while the top of its chain among the held events has
//! an open unit as parent; otherwise that chain's events are ready to
//! print. Printing is Ruby's (on an app thread, to `Rails.logger`),
//! so this module only hands the groups over.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::data::Text;
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

/// Held events beyond these bounds are let go: the unit the oldest waits on
/// is given up, and its events print without it. The oldest open unit is
/// forgotten beyond MAX_OPEN. So a unit whose event never comes cannot hold
/// output back, or memory, for long.
const MAX_HELD: usize = 2_000;
const MAX_HELD_BYTES: usize = 32 << 20;
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

/// Sets the mode; when it changes, what was held or ready under the old
/// one is let go.
pub fn set_mode(mode: Mode) {
    if MODE.swap(mode as u8, Ordering::Relaxed) != mode as u8 {
        *view() = View::new();
    }
}

/// A unit of work took `event_id`; its event comes when it ends.
pub fn opened(event_id: &str) {
    if mode() == Mode::Tree {
        view().open(event_id);
    }
}

/// The event of the unit that took `event_id` will not come (it was
/// dropped, or invalid): what waits on it prints without it.
pub fn closed(event_id: &str) {
    if mode() == Mode::Tree {
        view().close(event_id);
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
    open: VecDeque<Text>,
    held: Vec<Event>,
    held_bytes: usize,
    ready: Vec<Vec<Event>>,
}

impl View {
    /// Before any use (the first `view()` sets the generation).
    const fn empty() -> Self {
        Self {
            generation: u64::MAX,
            open: VecDeque::new(),
            held: Vec::new(),
            held_bytes: 0,
            ready: Vec::new(),
        }
    }

    fn new() -> Self {
        Self {
            generation: process::generation(),
            open: VecDeque::new(),
            held: Vec::new(),
            held_bytes: 0,
            ready: Vec::new(),
        }
    }

    fn open(&mut self, event_id: &str) {
        if self.open.len() >= MAX_OPEN {
            self.open.pop_front();
        }
        self.open.push_back(event_id.into());
    }

    fn add(&mut self, event: Event) {
        self.open.retain(|id| *id != event.event_id);
        let top = self.top_of_chain(&event);
        self.held_bytes += event.approx_bytes;
        self.held.push(event);
        match self.open_unit_of(&top) {
            None => self.release(&top),
            Some(_) => self.let_go_beyond_bounds(),
        }
    }

    /// The unit that took `event_id` is over: everything held below it
    /// prints.
    fn close(&mut self, event_id: &str) {
        self.open.retain(|id| id != event_id);
        self.release(event_id);
    }

    fn let_go_beyond_bounds(&mut self) {
        while self.held.len() > MAX_HELD || self.held_bytes > MAX_HELD_BYTES {
            let top = self.top_of_chain(&self.held[0]);
            match self.open_unit_of(&top) {
                Some(unit) => self.close(&unit),
                None => self.release(&top),
            }
        }
    }

    /// The id of the topmost ancestor of `event` among the held events
    /// (the event's own id when its parent is not held).
    fn top_of_chain(&self, event: &Event) -> Text {
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

    /// The open unit the held event `top` waits on, if any.
    fn open_unit_of(&self, top: &str) -> Option<Text> {
        let parent = self
            .held
            .iter()
            .find(|e| e.event_id == top)?
            .correlation
            .parent_event_id
            .as_deref()?;
        self.open.iter().find(|id| *id == parent).cloned()
    }

    /// Moves `top` and every held event below it to `ready`, in the order
    /// they were logged (`top` itself need not be held).
    fn release(&mut self, top: &str) {
        let mut members: HashSet<Text> = HashSet::from([top.into()]);
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
        self.held_bytes = self.held.iter().map(|e| e.approx_bytes).sum();
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
            .map(|group| group.iter().map(|e| e.event_id.to_string()).collect())
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
        view.open("running");
        view.add(event_with("other", Some("running")));
        for n in 1..MAX_HELD {
            view.add(event_with(&format!("e{n}"), Some("stuck")));
        }
        assert!(view.ready.is_empty());
        view.add(event_with("overflow", Some("stuck")));
        // "other" was first, so its unit was given up first.
        assert_eq!(ids(&view.ready), [["other"]]);
        view.add(event_with("more", Some("stuck")));
        assert_eq!(view.ready.len(), 2);
        assert_eq!(view.ready[1].len(), MAX_HELD + 1);
        assert!(view.held.is_empty() && view.held_bytes == 0);
    }

    #[test]
    fn a_unit_whose_event_will_not_come_lets_its_children_go() {
        let mut view = view();
        view.open("req");
        view.add(event_with("change", Some("req")));
        view.add(event_with("enqueue", Some("req")));
        view.close("req");
        assert_eq!(ids(&view.ready), [["change", "enqueue"]]);
        assert!(view.open.is_empty());
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
