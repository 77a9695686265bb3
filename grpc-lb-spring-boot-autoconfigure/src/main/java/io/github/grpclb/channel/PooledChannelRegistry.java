package io.github.grpclb.channel;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.ManagedChannel;

/**
 * One long-lived channel per distinct target and settings, created on first use and shared by every client with
 * that key. Thread-safe: concurrent first uses get the same channel.
 */
public final class PooledChannelRegistry implements GrpcLbChannelRegistry, AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(PooledChannelRegistry.class);

	private final ChannelSettingsProvider settingsProvider;

	private final GrpcLbChannelFactory channelFactory;

	private final Duration shutdownTimeout;

	private final Map<ChannelSettings, Pooled> channels = new ConcurrentHashMap<>();

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
		ChannelSettings settings = this.settingsProvider.forClient(clientName);
		Pooled pooled = this.channels.computeIfAbsent(settings, (key) -> {
			checkOpen();
			ManagedChannel channel = this.channelFactory.createPooled(clientName, key);
			logger.atInfo()
				.addKeyValue("client", clientName)
				.addKeyValue("target", key.target())
				.log("Created pooled gRPC channel: client={} target={} policy={}", clientName, key.target(),
						key.policy());
			return new Pooled(channel);
		});
		pooled.clients.add(clientName);
		// A close racing with this call may have missed the channel just added: close it ourselves.
		if (this.closed) {
			pooled.channel.shutdownNow();
			checkOpen();
		}
		return pooled.channel;
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
		return this.channels.keySet().stream().map(ChannelSettings::target).collect(Collectors.toUnmodifiableSet());
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
		this.closed = true;
		Map<ManagedChannel, ChannelCloser.ChannelLabel> toClose = new LinkedHashMap<>();
		this.channels.forEach((settings, pooled) -> toClose.put(pooled.channel,
				new ChannelCloser.ChannelLabel(String.join(",", pooled.clients), settings.target())));
		ChannelCloser.closeAll(toClose, this.shutdownTimeout);
	}

	private void checkOpen() {
		if (this.closed) {
			throw new IllegalStateException("The gRPC channel registry is closed (the application is shutting down)");
		}
	}

	private static final class Pooled {

		final ManagedChannel channel;

		final Set<String> clients = new ConcurrentSkipListSet<>();

		Pooled(ManagedChannel channel) {
			this.channel = channel;
		}

	}

}
