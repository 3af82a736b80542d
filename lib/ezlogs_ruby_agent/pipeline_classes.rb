# frozen_string_literal: true

module EzlogsRubyAgent
  # 0.1.19's Ruby pipeline was built from an event pool, a batch processor
  # and a connection manager. The native core does each of their jobs now:
  # an event costs one allocation (nothing to pool), the worker batches
  # (delivery.batch_size) and holds the connections
  # (performance.max_delivery_connections). These keep their names and
  # methods so that code written against them runs, each doing what it can
  # over the core.

  # Events are not pooled: `get_event` makes a new one, as 0.1.19 did when
  # its pool was empty (nil when the native extension is not loaded), and
  # `return_event` keeps nothing.
  class EventPool
    @lock = Mutex.new
    @created = 0

    class << self
      def get_event # rubocop:disable Naming/AccessorMethodName -- 0.1.19's name
        event = UniversalEvent.new(event_type: "pool.placeholder", action: "placeholder",
                                   actor: { type: "system", id: "pool" })
        @lock.synchronize { @created += 1 }
        event
      rescue Error
        nil
      end

      def return_event(_event) = nil

      # {pool_size: 0, max_pool_size: 0, created_count: events made by
      # get_event, reused_count: 0}: nothing is held to reuse.
      def pool_stats
        { pool_size: 0, max_pool_size: 0, created_count: @lock.synchronize { @created }, reused_count: 0 }
      end

      def clear_pool
        @lock.synchronize { @created = 0 }
        nil
      end
    end
  end

  # Hands events to the native queue, which batches and sends them: there
  # is never a batch for the caller to take.
  class BatchProcessor
    # The arguments are 0.1.19's; the worker's batches follow
    # delivery.batch_size.
    def initialize(*, **); end

    # Logs each event (EzlogsRubyAgent.writer.log). Returns {success:,
    # processed: events logged, batch_size:, processing_time: seconds,
    # compressed: false}; the worker compresses as delivery.compression
    # says.
    def process_batch(events)
      started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      logged = Array(events).count { |event| EzlogsRubyAgent.writer.log(event) }
      { success: true, processed: logged, batch_size: logged, compressed: false,
        processing_time: Process.clock_gettime(Process::CLOCK_MONOTONIC) - started }
    end

    # Logs the event; false, as no batch waits here to be taken.
    def add_to_batch(event)
      EzlogsRubyAgent.writer.log(event)
      false
    end

    def get_current_batch = [] # rubocop:disable Naming/AccessorMethodName -- 0.1.19's name
  end

  # The connections to the collector are the native worker's, which the
  # app cannot borrow: `with_connection` says so once and yields nothing.
  class ConnectionManager
    # The arguments are 0.1.19's; the worker's settings are in
    # delivery and performance.
    def initialize(*, **)
      @closed = false
    end

    def with_connection
      ProblemReporter.bad_call("ConnectionManager#with_connection yields no connection: the native worker holds " \
                               "the connections to the collector; send events with EzlogsRubyAgent.log_event")
      nil
    end

    # {pool_size: 0 (none is held here), max_connections: the worker's
    # limit, connections_opened: by the worker so far, closed:}.
    def pool_stats
      { pool_size: 0, max_connections: EzlogsRubyAgent.config.performance.max_delivery_connections,
        connections_opened: EzlogsRubyAgent.metrics[:connections_opened].to_i, closed: @closed }
    end

    def shutdown
      @closed = true
      nil
    end
  end
end
