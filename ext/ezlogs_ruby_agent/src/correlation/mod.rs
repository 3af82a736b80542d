pub mod baggage;
pub mod context;
pub mod traceparent;
