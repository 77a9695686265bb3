package io.github.grpclb.test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;

/**
 * Continuous load while a test changes the world: a few threads calling in a loop, counting failures.
 */
public final class Load implements AutoCloseable {

	private final List<Thread> threads = new ArrayList<>();

	private final AtomicInteger calls = new AtomicInteger();

	private final AtomicInteger failures = new AtomicInteger();

	private final AtomicReference<Throwable> lastFailure = new AtomicReference<>();

	private volatile boolean running = true;

	private Load(EchoServiceGrpc.EchoServiceBlockingStub stub, int threads) {
		for (int i = 0; i < threads; i++) {
			Thread thread = new Thread(() -> {
				while (this.running) {
					try {
						stub.withDeadlineAfter(5, TimeUnit.SECONDS)
							.echo(EchoRequest.newBuilder().setMessage("load").build());
						this.calls.incrementAndGet();
					}
					catch (RuntimeException ex) {
						this.failures.incrementAndGet();
						this.lastFailure.set(ex);
					}
					try {
						Thread.sleep(2);
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}, "test-load-" + i);
			thread.setDaemon(true);
			this.threads.add(thread);
			thread.start();
		}
	}

	/**
	 * Start calling.
	 * @param stub the stub to call through
	 * @param threads how many calls in flight
	 * @return the running load
	 */
	public static Load start(EchoServiceGrpc.EchoServiceBlockingStub stub, int threads) {
		return new Load(stub, threads);
	}

	/** @return successful calls so far */
	public int calls() {
		return this.calls.get();
	}

	/** @return failed calls so far */
	public int failures() {
		return this.failures.get();
	}

	/** @return the last failure, or {@code null} */
	public Throwable lastFailure() {
		return this.lastFailure.get();
	}

	/**
	 * @return the last failure with its chain of causes (what a status alone hides, e.g. the IOException behind
	 * "UNAVAILABLE: io exception"), or "none"
	 */
	public String lastFailureWithCauses() {
		return Causes.chain(this.lastFailure.get());
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

}
