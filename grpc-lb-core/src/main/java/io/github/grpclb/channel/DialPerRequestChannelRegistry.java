package io.github.grpclb.channel;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import io.grpc.ManagedChannel;

/**
 * The rollback mode: no pooling. Each client gets a channel that dials one connection per call (pick_first over
 * a shuffled address list, so one connection to one backend, as a new TCP connection through kube-proxy would)
 * and closes it when the call completes.
 */
public final class DialPerRequestChannelRegistry implements GrpcLbChannelRegistry, AutoCloseable {

	private final ChannelSettingsProvider settingsProvider;

	private final GrpcLbChannelFactory channelFactory;

	private final DialListener dialListener;

	private final Duration shutdownTimeout;

	private final Map<String, DialPerRequestChannel> channels = new ConcurrentHashMap<>();

	/** Guards creation against close: a client's channel is either in the map close() drains, or never created. */
	private final Object lifecycle = new Object();

	private volatile boolean closed;

	/**
	 * Create a registry.
	 * @param settingsProvider the settings of each client
	 * @param channelFactory builds the single-call channels
	 * @param dialListener told about each dial
	 * @param shutdownTimeout total time budget for calls still running at close
	 */
	public DialPerRequestChannelRegistry(ChannelSettingsProvider settingsProvider,
			GrpcLbChannelFactory channelFactory, DialListener dialListener, Duration shutdownTimeout) {
		this.settingsProvider = Objects.requireNonNull(settingsProvider, "settingsProvider");
		this.channelFactory = Objects.requireNonNull(channelFactory, "channelFactory");
		this.dialListener = Objects.requireNonNull(dialListener, "dialListener");
		this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
	}

	@Override
	public ManagedChannel channel(String clientName) {
		Objects.requireNonNull(clientName, "clientName");
		checkOpen(clientName);
		DialPerRequestChannel channel = this.channels.get(clientName);
		if (channel != null) {
			return channel;
		}
		ChannelSettings settings = this.settingsProvider.forClient(clientName);
		synchronized (this.lifecycle) {
			checkOpen(clientName);
			return this.channels.computeIfAbsent(clientName,
					(name) -> new DialPerRequestChannel(name, settings, this.channelFactory, this.dialListener));
		}
	}

	@Override
	public int openChannels() {
		return this.channels.values().stream().mapToInt(DialPerRequestChannel::liveChannels).sum();
	}

	@Override
	public Set<String> targets() {
		return this.channels.keySet()
			.stream()
			.map((name) -> this.settingsProvider.forClient(name).target())
			.collect(Collectors.toUnmodifiableSet());
	}

	@Override
	public boolean isDialPerRequest() {
		return true;
	}

	/**
	 * Refuse new calls, give the calls in flight the shutdown timeout in total, then cancel what is left.
	 */
	@Override
	public void close() {
		Map<ManagedChannel, ChannelCloser.ChannelLabel> toClose = new LinkedHashMap<>();
		synchronized (this.lifecycle) {
			this.closed = true;
		}
		this.channels.forEach((client, channel) -> {
			ChannelCloser.ChannelLabel label = new ChannelCloser.ChannelLabel(client,
					this.settingsProvider.forClient(client).target());
			channel.shutdownAndDrain().forEach((single) -> toClose.put(single, label));
		});
		ChannelCloser.closeAll(toClose, this.shutdownTimeout);
		// Cancelled calls release their channel from a callback that may still be on its way.
		this.channels.values().forEach(DialPerRequestChannel::forgetTerminated);
	}

	private void checkOpen(String clientName) {
		if (this.closed) {
			throw new IllegalStateException("gRPC client '" + clientName + "' asked for its channel after the "
					+ "channel registry was closed (the application is shutting down); calls in flight are "
					+ "finishing, new ones are refused");
		}
	}

}
