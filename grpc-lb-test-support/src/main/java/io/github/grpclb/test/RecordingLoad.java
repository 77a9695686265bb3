package io.github.grpclb.test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Continuous load of unary calls that records every call and every attempt, so that a fault scenario can ask what
 * happened in any time window: calls and failed calls by status, attempts per call, and which backend each attempt
 * went to (seen on the connection, by a {@link ClientStreamTracer}, like the starter's {@code grpc.lb.calls}
 * meter).
 *
 * <pre>{@code
 * try (RecordingLoad load = RecordingLoad.start(stub, 6)) {
 *     long fault = load.now();
 *     backend.mode(Mode.UNAVAILABLE);
 *     Thread.sleep(20_000);
 *     RecordingLoad.Window later = load.window(fault + seconds(10), load.now());
 *     assertThat(later.attemptShare(backend.address())).isLessThan(0.02);
 * }
 * }</pre>
 *
 * Times are {@link System#nanoTime()} values; a call or an attempt belongs to the window in which it started.
 */
public final class RecordingLoad implements AutoCloseable {

	/** Backend of an attempt that never got a connection (the balancer failed it, or the deadline came first). */
	public static final String NO_BACKEND = "none";

	private static final CallOptions.Key<CallRecorder> RECORDER = CallOptions.Key.create("test-recording-load");

	private final List<Thread> threads = new ArrayList<>();

	private final ConcurrentLinkedQueue<CallRecord> calls = new ConcurrentLinkedQueue<>();

	private final ConcurrentLinkedQueue<AttemptRecord> attempts = new ConcurrentLinkedQueue<>();

	private final AtomicReference<Throwable> lastFailure = new AtomicReference<>();

	private final long startNanos = System.nanoTime();

	private volatile boolean running = true;

	private RecordingLoad(EchoServiceGrpc.EchoServiceBlockingStub stub, int threads, Duration deadline,
			Duration pause) {
		EchoServiceGrpc.EchoServiceBlockingStub recorded = stub.withInterceptors(new RecordingInterceptor());
		EchoRequest request = EchoRequest.newBuilder().setMessage("load").build();
		for (int i = 0; i < threads; i++) {
			Thread thread = new Thread(() -> {
				while (this.running) {
					CallRecorder recorder = new CallRecorder();
					Status.Code code = Status.Code.OK;
					String failure = null;
					long start = System.nanoTime();
					try {
						EchoServiceGrpc.EchoServiceBlockingStub call = recorded.withOption(RECORDER, recorder);
						if (deadline != null) {
							call = call.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
						}
						call.echo(request);
					}
					catch (StatusRuntimeException ex) {
						code = ex.getStatus().getCode();
						failure = code + ": " + ex.getStatus().getDescription();
						this.lastFailure.set(ex);
					}
					this.calls.add(new CallRecord(start, System.nanoTime(), code, failure, recorder.attempts.get()));
					if (!pause.isZero()) {
						try {
							Thread.sleep(pause.toMillis());
						}
						catch (InterruptedException ex) {
							return;
						}
					}
				}
			}, "test-recording-load-" + i);
			thread.setDaemon(true);
			this.threads.add(thread);
			thread.start();
		}
	}

	/**
	 * Start calling with a 5 s deadline per call and a 2 ms pause between the calls of a thread.
	 * @param stub the stub to call through
	 * @param threads how many calls in flight
	 * @return the running load
	 */
	public static RecordingLoad start(EchoServiceGrpc.EchoServiceBlockingStub stub, int threads) {
		return start(stub, threads, Duration.ofSeconds(5), Duration.ofMillis(2));
	}

	/**
	 * Start calling.
	 * @param stub the stub to call through
	 * @param threads how many calls in flight
	 * @param deadline deadline set on each call, or {@code null} to leave it to the client's settings
	 * @param pause pause between the calls of one thread
	 * @return the running load
	 */
	public static RecordingLoad start(EchoServiceGrpc.EchoServiceBlockingStub stub, int threads, Duration deadline,
			Duration pause) {
		return new RecordingLoad(stub, threads, deadline, pause);
	}

	/** @return the current time, to mark the start or end of a window */
	public long now() {
		return System.nanoTime();
	}

	/**
	 * @param time a time from {@link #now()}
	 * @param later how much later
	 * @return the later time
	 */
	public static long plus(long time, Duration later) {
		return time + later.toNanos();
	}

	/**
	 * Block until a condition on the calls since a time holds.
	 * @param since a time from {@link #now()}
	 * @param condition the condition
	 * @param timeout how long to wait at most
	 * @return the time it first held, or -1 if it did not within the timeout
	 */
	public long awaitWindow(long since, Predicate<Window> condition, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			long now = System.nanoTime();
			if (condition.test(window(since, now))) {
				return now;
			}
			Thread.sleep(20);
		}
		return -1;
	}

	/**
	 * What happened between two times.
	 * @param from start of the window (inclusive)
	 * @param to end of the window (exclusive)
	 * @return the calls and attempts that started in it (and have completed)
	 */
	public Window window(long from, long to) {
		List<CallRecord> inCalls = this.calls.stream().filter((c) -> c.start >= from && c.start < to).toList();
		List<AttemptRecord> inAttempts = this.attempts.stream()
			.filter((a) -> a.start >= from && a.start < to)
			.toList();
		return new Window(to - from, inCalls, inAttempts);
	}

	/** @return everything since the load started */
	public Window total() {
		return window(this.startNanos, Long.MAX_VALUE);
	}

	/** @return the last failure, or {@code null} */
	public Throwable lastFailure() {
		return this.lastFailure.get();
	}

	@Override
	public void close() {
		this.running = false;
		for (Thread thread : this.threads) {
			try {
				thread.join(10_000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	static String backendOf(SocketAddress address) {
		if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
			return inet.getAddress().getHostAddress() + ":" + inet.getPort();
		}
		return Objects.toString(address, NO_BACKEND);
	}

	/** One finished call; {@code failure} is "CODE: description", or {@code null} when it succeeded. */
	record CallRecord(long start, long end, Status.Code code, String failure, int attempts) {
	}

	/** One finished attempt. */
	record AttemptRecord(long start, String backend, Status.Code code, boolean transparent) {
	}

	/** The calls and attempts that started in one time window. */
	public static final class Window {

		private final long nanos;

		private final List<CallRecord> calls;

		private final List<AttemptRecord> attempts;

		Window(long nanos, List<CallRecord> calls, List<AttemptRecord> attempts) {
			this.nanos = nanos;
			this.calls = calls;
			this.attempts = attempts;
		}

		/** @return calls that started in the window */
		public int calls() {
			return this.calls.size();
		}

		/** @return calls that failed */
		public int failedCalls() {
			return (int) this.calls.stream().filter((c) -> c.code != Status.Code.OK).count();
		}

		/** @return calls by final status */
		public Map<Status.Code, Integer> callsByStatus() {
			Map<Status.Code, Integer> counts = new EnumMap<>(Status.Code.class);
			this.calls.forEach((c) -> counts.merge(c.code, 1, Integer::sum));
			return counts;
		}

		/** @return failed calls by "CODE: description" */
		public Map<String, Integer> failures() {
			Map<String, Integer> counts = new TreeMap<>();
			this.calls.stream()
				.filter((c) -> c.failure != null)
				.forEach((c) -> counts.merge(c.failure, 1, Integer::sum));
			return counts;
		}

		/** @return attempts (first attempts, retries and transparent retries) */
		public int attempts() {
			return this.attempts.size();
		}

		/** @return attempts that grpc-java retried transparently (the first try never left the client) */
		public int transparentRetries() {
			return (int) this.attempts.stream().filter(AttemptRecord::transparent).count();
		}

		/** @return attempts per call, counted per call by its own stream tracer */
		public double attemptsPerCall() {
			return this.calls.isEmpty() ? 0
					: this.calls.stream().mapToInt(CallRecord::attempts).sum() / (double) this.calls.size();
		}

		/** @return how many calls took 1, 2, 3… attempts */
		public Map<Integer, Integer> callsByAttempts() {
			Map<Integer, Integer> counts = new TreeMap<>();
			this.calls.forEach((c) -> counts.merge(c.attempts, 1, Integer::sum));
			return counts;
		}

		/** @return attempts by backend ({@link #NO_BACKEND} when no connection was used), sorted by backend */
		public Map<String, Integer> attemptsByBackend() {
			Map<String, Integer> counts = new TreeMap<>();
			this.attempts.forEach((a) -> counts.merge(a.backend, 1, Integer::sum));
			return counts;
		}

		/**
		 * @param backend {@code ip:port}
		 * @return attempts that went to it
		 */
		public int attemptsTo(String backend) {
			return (int) this.attempts.stream().filter((a) -> a.backend.equals(backend)).count();
		}

		/**
		 * @param backend {@code ip:port}
		 * @return its share of all attempts (0 when there was none)
		 */
		public double attemptShare(String backend) {
			return this.attempts.isEmpty() ? 0 : attemptsTo(backend) / (double) this.attempts.size();
		}

		/**
		 * @param backend {@code ip:port}
		 * @return attempts on it that succeeded
		 */
		public int successesOn(String backend) {
			return (int) this.attempts.stream()
				.filter((a) -> a.backend.equals(backend) && a.code == Status.Code.OK)
				.count();
		}

		/**
		 * @param backend {@code ip:port}
		 * @return start of the last attempt that went to it, or -1 if none did
		 */
		public long lastAttemptTo(String backend) {
			return this.attempts.stream()
				.filter((a) -> a.backend.equals(backend))
				.mapToLong(AttemptRecord::start)
				.max()
				.orElse(-1);
		}

		/**
		 * @param backend {@code ip:port}
		 * @return start of the first attempt it answered OK, or -1 if it answered none
		 */
		public long firstSuccessOn(String backend) {
			return this.attempts.stream()
				.filter((a) -> a.backend.equals(backend) && a.code == Status.Code.OK)
				.mapToLong(AttemptRecord::start)
				.min()
				.orElse(-1);
		}

		/** @return end of the first call that succeeded, or -1 if none did */
		public long firstSuccessfulCallEnd() {
			return this.calls.stream()
				.filter((c) -> c.code == Status.Code.OK)
				.mapToLong(CallRecord::end)
				.min()
				.orElse(-1);
		}

		/**
		 * @param percentile 0..100
		 * @param failedOnly only failed calls
		 * @return that percentile of call latency in milliseconds (0 without calls)
		 */
		public double latencyMillis(double percentile, boolean failedOnly) {
			long[] sorted = this.calls.stream()
				.filter((c) -> !failedOnly || c.code != Status.Code.OK)
				.mapToLong((c) -> c.end - c.start)
				.sorted()
				.toArray();
			if (sorted.length == 0) {
				return 0;
			}
			int index = (int) Math.min(sorted.length - 1, Math.ceil(percentile / 100 * sorted.length) - 1);
			return sorted[Math.max(0, index)] / 1e6;
		}

		/** @return calls per second */
		public double callsPerSecond() {
			return this.calls.size() / (this.nanos / 1e9);
		}

		@Override
		public String toString() {
			return String.format("%d calls (%s), %.2f attempts/call, attempts %s", calls(), callsByStatus(),
					attemptsPerCall(), attemptsByBackend());
		}

	}

	/** Counts the attempts of one call and records each. */
	private final class CallRecorder extends ClientStreamTracer.Factory {

		final AtomicInteger attempts = new AtomicInteger();

		@Override
		public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
			this.attempts.incrementAndGet();
			boolean transparent = info.isTransparentRetry();
			long start = System.nanoTime();
			return new ClientStreamTracer() {

				private volatile String backend = NO_BACKEND;

				@Override
				public void streamCreated(Attributes transportAttrs, Metadata headers) {
					this.backend = backendOf(transportAttrs.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
				}

				@Override
				public void streamClosed(Status status) {
					RecordingLoad.this.attempts.add(new AttemptRecord(start, this.backend, status.getCode(), transparent));
				}

			};
		}

	}

	/** Puts the call's recorder on every attempt of the call. */
	private static final class RecordingInterceptor implements ClientInterceptor {

		@Override
		public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
				CallOptions callOptions, Channel next) {
			CallRecorder recorder = callOptions.getOption(RECORDER);
			return next.newCall(method,
					(recorder != null) ? callOptions.withStreamTracerFactory(recorder) : callOptions);
		}

	}

}
