package io.github.grpclb.channel;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.ManagedChannel;

/**
 * One long-lived channel per client, created on first use. Each client's channel is built with that client's name
 * only, so name-keyed configuration (net.devh {@code GrpcChannelConfigurer}s, {@link GrpcLbChannelBuilderCustomizer}s)
 * never reaches another client's calls, even when two clients have the same target and settings. Thread-safe:
 * concurrent first uses get the same channel; after {@link #close()} every request fails fast.
 */
public final class PooledChannelRegistry implements GrpcLbChannelRegistry, AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(PooledChannelRegistry.class);

	private final ChannelSettingsProvider settingsProvider;

	private final GrpcLbChannelFactory channelFactory;

	private final Duration shutdownTimeout;

	private final Map<String, Pooled> channels = new ConcurrentHashMap<>();

	/** Guards creation against close: a channel is either in the map close() drains, or never created. */
	private final Object lifecycle = new Object();

	private volatile boolean closed;

	/**
	 * Create a registry.
	 * @param settingsProvider the settings of each client
	 * @param channelFactory builds the channels
	 * @param shutdownTimeout total time budget for closing all channels
	 */
	public PooledChannelRegistry(ChannelSettingsProvider settingsProvider, GrpcLbChannelFactory channelFactory,
			Duration shutdownTimeout) {
		this.settingsProvider = Objects.requireNonNull(settingsProvider, "settingsProvider");
		this.channelFactory = Objects.requireNonNull(channelFactory, "channelFactory");
		this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
	}

	@Override
	public ManagedChannel channel(String clientName) {
		Objects.requireNonNull(clientName, "clientName");
		checkOpen(clientName);
		Pooled pooled = this.channels.get(clientName);
		if (pooled != null) {
			return pooled.channel;
		}
		ChannelSettings settings = this.settingsProvider.forClient(clientName);
		synchronized (this.lifecycle) {
			checkOpen(clientName);
			return this.channels.computeIfAbsent(clientName, (name) -> {
				ManagedChannel channel = this.channelFactory.createPooled(name, settings);
				logger.atInfo()
					.addKeyValue("client", name)
					.addKeyValue("target", settings.target())
					.log("Created pooled gRPC channel: client={} target={} policy={}", name, settings.target(),
							settings.policy());
				return new Pooled(channel, settings.target());
			}).channel;
		}
	}

	@Override
	public int openChannels() {
		int open = 0;
		for (Pooled pooled : this.channels.values()) {
			if (!pooled.channel.isShutdown()) {
				open++;
			}
		}
		return open;
	}

	@Override
	public Set<String> targets() {
		return this.channels.values().stream().map(Pooled::target).collect(Collectors.toUnmodifiableSet());
	}

	@Override
	public boolean isDialPerRequest() {
		return false;
	}

	/**
	 * Shut every channel down in parallel, wait up to the shutdown timeout in total, then cancel what is left.
	 */
	@Override
	public void close() {
		Map<ManagedChannel, ChannelCloser.ChannelLabel> toClose = new LinkedHashMap<>();
		synchronized (this.lifecycle) {
			this.closed = true;
			this.channels.forEach((client, pooled) -> toClose.put(pooled.channel,
					new ChannelCloser.ChannelLabel(client, pooled.target())));
		}
		ChannelCloser.closeAll(toClose, this.shutdownTimeout);
	}

	private void checkOpen(String clientName) {
		if (this.closed) {
			throw new IllegalStateException("gRPC client '" + clientName + "' asked for its channel after the "
					+ "channel registry was closed (the application is shutting down); calls in flight are "
					+ "finishing, new ones are refused");
		}
	}

	private record Pooled(ManagedChannel channel, String target) {
	}

}
