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
 * While a channel has no working connection at all (TRANSIENT_FAILURE: every backend refused or dropped it), makes it
 * try to reconnect every {@code interval} instead of waiting out grpc-java's connect backoff, which grows to two
 * minutes: when the fleet comes back, calls work again within about the interval, not minutes later. As soon as one
 * connection works, grpc-java's own backoff applies again to whatever is still down.
 */
final class ReconnectWatchdog {

	private final ManagedChannel channel;

	private final long intervalNanos;

	private final ScheduledExecutorService timer;

	/** Whether a chain of nudges is running (only one at a time, however often the state flips). */
	private final AtomicBoolean nudging = new AtomicBoolean();

	private ReconnectWatchdog(ManagedChannel channel, Duration interval) {
		this.channel = channel;
		this.intervalNanos = interval.toNanos();
		this.timer = SharedResourceHolder.get(GrpcUtil.TIMER_SERVICE);
	}

	/**
	 * Watch a channel until it shuts down.
	 * @param channel the channel
	 * @param interval the longest wait between reconnection attempts while nothing works
	 */
	static void watch(ManagedChannel channel, Duration interval) {
		new ReconnectWatchdog(channel, interval).await(ConnectivityState.IDLE);
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
