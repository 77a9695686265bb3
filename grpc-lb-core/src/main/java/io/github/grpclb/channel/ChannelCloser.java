package io.github.grpclb.channel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.ManagedChannel;

/**
 * Closes channels gracefully within one time budget for all of them together.
 */
final class ChannelCloser {

	private static final Logger logger = LoggerFactory.getLogger(ChannelCloser.class);

	/** After {@code shutdownNow()} cancelled the calls, how long to wait for transports to go away. */
	private static final long FORCED_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

	private ChannelCloser() {
	}

	/**
	 * Shut all channels down at once, wait for them within {@code budget} in total, then force the rest.
	 * @param channels the channels, each with the client name and target to log
	 * @param budget the total time to wait for in-flight calls
	 */
	static void closeAll(Map<ManagedChannel, ChannelLabel> channels, Duration budget) {
		channels.keySet().forEach(ManagedChannel::shutdown);
		long deadline = System.nanoTime() + budget.toNanos();
		List<ManagedChannel> stragglers = new ArrayList<>();
		try {
			for (ManagedChannel channel : channels.keySet()) {
				long remaining = deadline - System.nanoTime();
				if (!channel.awaitTermination(Math.max(0, remaining), TimeUnit.NANOSECONDS)) {
					stragglers.add(channel);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			stragglers.clear();
			stragglers.addAll(channels.keySet());
		}
		for (ManagedChannel channel : stragglers) {
			ChannelLabel label = channels.get(channel);
			logger.atWarn()
				.addKeyValue("client", label.client())
				.addKeyValue("target", label.target())
				.log("gRPC channel still busy after shutdown-timeout {}, cancelling its calls: client={} target={}",
						budget, label.client(), label.target());
			channel.shutdownNow();
		}
		if (Thread.currentThread().isInterrupted()) {
			return;
		}
		long forcedDeadline = System.nanoTime() + FORCED_WAIT_NANOS;
		try {
			for (ManagedChannel channel : stragglers) {
				channel.awaitTermination(Math.max(0, forcedDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * What to log about a channel.
	 *
	 * @param client the client name(s) using it
	 * @param target its target
	 */
	record ChannelLabel(String client, String target) {
	}

}
