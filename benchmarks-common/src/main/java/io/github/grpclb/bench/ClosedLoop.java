package io.github.grpclb.bench;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import com.google.protobuf.ByteString;
import io.github.grpclb.bench.proto.BenchReply;
import io.github.grpclb.bench.proto.BenchRequest;
import io.github.grpclb.bench.proto.BenchServiceGrpc;
import io.grpc.stub.StreamObserver;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Closed-loop unary load: a fixed number of calls in flight, each started as soon as the previous one of its slot
 * completes. A warm-up, then a measured window whose latencies, replies per backend and failures are recorded.
 * <p>
 * Both benchmark applications measure with this class: {@code benchmarks} for its own variants, and the Spring
 * Boot 4 child JVM ({@code benchmarks-boot4}) for the Boot 4 variants, through {@link LoadProtocol}.
 */
public final class ClosedLoop {

	private static final ByteString PAYLOAD = ByteString.copyFrom(new byte[64]);

	private final int concurrency;

	private final Duration warmUp;

	private final Duration window;

	public ClosedLoop(int concurrency, Duration warmUp, Duration window) {
		this.concurrency = concurrency;
		this.warmUp = warmUp;
		this.window = window;
	}

	public int concurrency() {
		return this.concurrency;
	}

	public Duration warmUp() {
		return this.warmUp;
	}

	public Duration window() {
		return this.window;
	}

	/**
	 * Drive a stub for the warm-up and the measured window, then wait for the calls in flight.
	 * @param stub the stub to call
	 * @param connections connections the backends have accepted so far ({@code () -> 0} where they cannot be seen,
	 * as in the Boot 4 child JVM: the benchmark counts them around its request)
	 * @return what the window saw
	 * @throws InterruptedException if interrupted
	 */
	public Window run(BenchServiceGrpc.BenchServiceStub stub, LongSupplier connections) throws InterruptedException {
		Run run = new Run(stub);
		long connectionsBefore = connections.getAsLong();
		for (int slot = 0; slot < this.concurrency; slot++) {
			run.next();
		}
		Thread.sleep(this.warmUp.toMillis());
		run.recorder.reset();
		run.servedBy.clear();
		run.failures.reset();
		run.recording = true;
		long start = System.nanoTime();
		Thread.sleep(this.window.toMillis());
		run.recording = false;
		long elapsed = System.nanoTime() - start;
		Histogram latencies = run.recorder.getIntervalHistogram();
		run.stopped = true;
		if (!run.drained.await(60, TimeUnit.SECONDS)) {
			throw new IllegalStateException("calls still in flight 60s after the window closed");
		}
		Map<String, Long> served = new TreeMap<>();
		run.servedBy.forEach((backend, count) -> served.put(backend, count.sum()));
		return new Window(elapsed, latencies, served, run.failures.sum(), run.lastFailure,
				connections.getAsLong() - connectionsBefore);
	}

	/**
	 * What one measured window saw.
	 *
	 * @param nanos length of the window
	 * @param latencies call latencies in microseconds
	 * @param servedBy successful calls per backend
	 * @param failures failed calls
	 * @param lastFailure description of the last failure, or {@code null}
	 * @param connections connections the backends accepted during warm-up and window
	 */
	public record Window(long nanos, Histogram latencies, Map<String, Long> servedBy, long failures,
			String lastFailure, long connections) {

		public long calls() {
			return this.servedBy.values().stream().mapToLong(Long::longValue).sum();
		}

		/**
		 * The same window with another connection count.
		 * @param connections connections the backends accepted during warm-up and window
		 * @return a copy
		 */
		public Window withConnections(long connections) {
			return new Window(this.nanos, this.latencies, this.servedBy, this.failures, this.lastFailure, connections);
		}

	}

	private final class Run {

		private final BenchServiceGrpc.BenchServiceStub stub;

		private final Recorder recorder = new Recorder(3_600_000_000L, 3);

		private final Map<String, LongAdder> servedBy = new ConcurrentHashMap<>();

		private final LongAdder failures = new LongAdder();

		private final AtomicLong ids = new AtomicLong();

		private final CountDownLatch drained = new CountDownLatch(ClosedLoop.this.concurrency);

		private volatile boolean recording;

		private volatile boolean stopped;

		private volatile String lastFailure;

		Run(BenchServiceGrpc.BenchServiceStub stub) {
			this.stub = stub;
		}

		void next() {
			if (this.stopped) {
				this.drained.countDown();
				return;
			}
			long started = System.nanoTime();
			BenchRequest request = BenchRequest.newBuilder().setId(this.ids.incrementAndGet()).setPayload(PAYLOAD).build();
			this.stub.call(request, new StreamObserver<>() {
				private BenchReply reply;

				@Override
				public void onNext(BenchReply value) {
					this.reply = value;
				}

				@Override
				public void onError(Throwable t) {
					if (Run.this.recording) {
						Run.this.failures.increment();
						Run.this.lastFailure = t.toString();
					}
					next();
				}

				@Override
				public void onCompleted() {
					if (Run.this.recording) {
						Run.this.recorder.recordValue(Math.max(1, (System.nanoTime() - started) / 1000));
						Run.this.servedBy.computeIfAbsent(this.reply.getServedBy(), (k) -> new LongAdder()).increment();
					}
					next();
				}
			});
		}

	}

}
