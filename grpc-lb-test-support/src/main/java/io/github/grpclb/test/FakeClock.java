package io.github.grpclb.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time that moves only when the test says so: a ticker and a scheduler whose tasks run, in the test's thread, when
 * {@link #forward(Duration)} passes their time. Single-threaded by design (grpc-java's resolver tests use the same
 * idea; its {@code FakeClock} is not published).
 */
public final class FakeClock {

	private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

	private final PriorityQueue<Task> tasks = new PriorityQueue<>(
			Comparator.comparingLong((Task task) -> task.dueNanos).thenComparingLong((task) -> task.sequence));

	private long sequence;

	private final Scheduler scheduler = new Scheduler();

	/** @return the current time in nanoseconds */
	public long nanoTime() {
		return this.nanos.get();
	}

	/** @return a scheduler driven by this clock */
	public ScheduledExecutorService scheduler() {
		return this.scheduler;
	}

	/**
	 * Move time forward, running every task that falls due on the way, in order.
	 * @param duration how far
	 */
	public void forward(Duration duration) {
		long target = this.nanos.get() + duration.toNanos();
		while (true) {
			Task next;
			synchronized (this) {
				next = this.tasks.peek();
				if (next == null || next.dueNanos > target) {
					break;
				}
				this.tasks.poll();
			}
			this.nanos.set(Math.max(this.nanos.get(), next.dueNanos));
			if (!next.cancelled) {
				next.done = true;
				next.runnable.run();
			}
		}
		this.nanos.set(target);
	}

	/** @return the delays from now of the tasks still pending, soonest first */
	public synchronized List<Duration> pending() {
		List<Duration> delays = new ArrayList<>();
		this.tasks.stream()
			.filter((task) -> !task.cancelled)
			.sorted(Comparator.comparingLong((Task task) -> task.dueNanos))
			.forEach((task) -> delays.add(Duration.ofNanos(task.dueNanos - this.nanos.get())));
		return delays;
	}

	private final class Task implements ScheduledFuture<Object> {

		final long dueNanos;

		final long sequence;

		final Runnable runnable;

		volatile boolean cancelled;

		volatile boolean done;

		Task(long dueNanos, long sequence, Runnable runnable) {
			this.dueNanos = dueNanos;
			this.sequence = sequence;
			this.runnable = runnable;
		}

		@Override
		public long getDelay(TimeUnit unit) {
			return unit.convert(this.dueNanos - FakeClock.this.nanos.get(), TimeUnit.NANOSECONDS);
		}

		@Override
		public int compareTo(Delayed other) {
			return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			if (this.done) {
				return false;
			}
			this.cancelled = true;
			return true;
		}

		@Override
		public boolean isCancelled() {
			return this.cancelled;
		}

		@Override
		public boolean isDone() {
			return this.done || this.cancelled;
		}

		@Override
		public Object get() {
			throw new UnsupportedOperationException();
		}

		@Override
		public Object get(long timeout, TimeUnit unit) {
			throw new UnsupportedOperationException();
		}

	}

	private final class Scheduler extends AbstractExecutorService implements ScheduledExecutorService {

		@Override
		public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
			synchronized (FakeClock.this) {
				Task task = new Task(FakeClock.this.nanos.get() + unit.toNanos(delay), FakeClock.this.sequence++,
						command);
				FakeClock.this.tasks.add(task);
				return task;
			}
		}

		@Override
		public void execute(Runnable command) {
			schedule(command, 0, TimeUnit.NANOSECONDS);
		}

		@Override
		public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
			throw new UnsupportedOperationException();
		}

		@Override
		public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
			throw new UnsupportedOperationException();
		}

		@Override
		public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
				TimeUnit unit) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void shutdown() {
		}

		@Override
		public List<Runnable> shutdownNow() {
			return List.of();
		}

		@Override
		public boolean isShutdown() {
			return false;
		}

		@Override
		public boolean isTerminated() {
			return false;
		}

		@Override
		public boolean awaitTermination(long timeout, TimeUnit unit) {
			return true;
		}

	}

}
