package io.github.grpclb.channel;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.internal.GrpcUtil;
import io.grpc.internal.SharedResourceHolder;

/**
 * Follows a pooled channel's connectivity until it shuts down, for two things:
 * <ul>
 * <li>while the channel has no working connection at all (TRANSIENT_FAILURE: every backend refused or dropped
 * it), it makes it try to reconnect every {@code interval} instead of waiting out grpc-java's connect backoff,
 * which grows to two minutes: when the fleet comes back, calls work again within about the interval. As soon as
 * one connection works, grpc-java's own backoff applies again to whatever is still down;</li>
 * <li>it remembers when the channel lost its last working connection, for {@link FailoverWait}.</li>
 * </ul>
 */
final class ConnectionWatch {

	private final ManagedChannel channel;

	private final long intervalNanos;

	private final ScheduledExecutorService timer;

	/** Whether a chain of nudges is running (only one at a time, however often the state flips). */
	private final AtomicBoolean nudging = new AtomicBoolean();

	private volatile boolean wasReady;

	/** When the channel stopped being READY after having been READY; 0 while READY or before it ever was. */
	private volatile long lostAtNanos;

	private ConnectionWatch(ManagedChannel channel, Duration interval) {
		this.channel = channel;
		this.intervalNanos = interval.toNanos();
		this.timer = SharedResourceHolder.get(GrpcUtil.TIMER_SERVICE);
	}

	/**
	 * Watch a channel until it shuts down.
	 * @param channel the channel
	 * @param interval the longest wait between reconnection attempts while nothing works
	 * @return the watch
	 */
	static ConnectionWatch watch(ManagedChannel channel, Duration interval) {
		ConnectionWatch watch = new ConnectionWatch(channel, interval);
		watch.await(ConnectivityState.IDLE);
		return watch;
	}

	/**
	 * How long ago the channel lost its last working connection.
	 * @return nanoseconds, or {@code -1} while it has one, or when it never had one
	 */
	long nanosSinceLost() {
		long lostAt = this.lostAtNanos;
		if (lostAt == 0 || this.channel.getState(false) == ConnectivityState.READY) {
			return -1;
		}
		return System.nanoTime() - lostAt;
	}

	private void await(ConnectivityState seen) {
		this.channel.notifyWhenStateChanged(seen, this::onChange);
	}

	private void onChange() {
		ConnectivityState state = this.channel.getState(false);
		if (state == ConnectivityState.SHUTDOWN) {
			SharedResourceHolder.release(GrpcUtil.TIMER_SERVICE, this.timer);
			return;
		}
		if (state == ConnectivityState.READY) {
			this.wasReady = true;
			this.lostAtNanos = 0;
		}
		else if (this.wasReady && this.lostAtNanos == 0) {
			this.lostAtNanos = System.nanoTime();
		}
		if (state == ConnectivityState.TRANSIENT_FAILURE && this.nudging.compareAndSet(false, true)) {
			this.timer.schedule(this::nudge, this.intervalNanos, TimeUnit.NANOSECONDS);
		}
		await(state);
	}

	private void nudge() {
		if (this.channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
			this.channel.resetConnectBackoff();
			this.timer.schedule(this::nudge, this.intervalNanos, TimeUnit.NANOSECONDS);
		}
		else {
			this.nudging.set(false);
		}
	}

}
