pub mod context;
pub mod traceparent;
