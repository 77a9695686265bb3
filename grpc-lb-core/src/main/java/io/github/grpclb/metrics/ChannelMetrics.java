package io.github.grpclb.metrics;

import java.util.Objects;

import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Binds the {@value GrpcLbMeters#CHANNELS} gauge to a channel registry. Usage:
 * {@code new ChannelMetrics(channelRegistry).bindTo(meterRegistry)}.
 */
public final class ChannelMetrics implements MeterBinder {

	private final GrpcLbChannelRegistry channels;

	/**
	 * Create a binder.
	 * @param channels the registry to observe
	 */
	public ChannelMetrics(GrpcLbChannelRegistry channels) {
		this.channels = Objects.requireNonNull(channels, "channels");
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder(GrpcLbMeters.CHANNELS, this.channels, GrpcLbChannelRegistry::openChannels)
			.description("Open gRPC client channels of the load-balancing starter")
			.tag("mode", this.channels.isDialPerRequest() ? "dial-per-request" : "pooled")
			.register(registry);
	}

}
