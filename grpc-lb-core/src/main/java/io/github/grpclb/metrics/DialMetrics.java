package io.github.grpclb.metrics;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.github.grpclb.channel.DialListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts {@value GrpcLbMeters#DIALS}: connections dialed in dial-per-request mode.
 */
public final class DialMetrics implements DialListener {

	private final MeterRegistry registry;

	private final Map<String, Map<String, Counter>> counters = new ConcurrentHashMap<>();

	/**
	 * Create a listener.
	 * @param registry where to count
	 */
	public DialMetrics(MeterRegistry registry) {
		this.registry = Objects.requireNonNull(registry, "registry");
	}

	@Override
	public void dialed(String clientName, String target) {
		this.counters.computeIfAbsent(clientName, (name) -> new ConcurrentHashMap<>())
			.computeIfAbsent(target, (t) -> Counter.builder(GrpcLbMeters.DIALS)
				.description("Connections dialed by gRPC clients in dial-per-request mode")
				.tag(GrpcLbMeters.TAG_CLIENT, clientName)
				.tag(GrpcLbMeters.TAG_TARGET, t)
				.register(this.registry))
			.increment();
	}

}
