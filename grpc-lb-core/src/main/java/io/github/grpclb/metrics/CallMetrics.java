package io.github.grpclb.metrics;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.github.grpclb.channel.ResolutionListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The starter's per-client call and resolver meters: one {@link CallMetricsInterceptor} per client, told what the
 * client's resolver returns so that series of pods that are gone are removed, and the
 * {@value GrpcLbMeters#RESOLUTIONS} counter. Usage: pass it as the {@link ResolutionListener} of the channel factory
 * and put {@link #interceptorFor(String)} on the client's stubs.
 */
public final class CallMetrics implements ResolutionListener {

	private final MeterRegistry registry;

	private final int maxBackendsPerClient;

	private final Map<String, CallMetricsInterceptor> interceptors = new ConcurrentHashMap<>();

	private final Map<String, Counter> resolutions = new ConcurrentHashMap<>();

	/**
	 * Create the meters.
	 * @param registry where to record
	 * @param maxBackendsPerClient at most this many backends get series of their own per client
	 */
	public CallMetrics(MeterRegistry registry, int maxBackendsPerClient) {
		this.registry = Objects.requireNonNull(registry, "registry");
		this.maxBackendsPerClient = maxBackendsPerClient;
	}

	/**
	 * The interceptor that records a client's calls.
	 * @param clientName the client
	 * @return its interceptor, the same for every call
	 */
	public CallMetricsInterceptor interceptorFor(String clientName) {
		return this.interceptors.computeIfAbsent(clientName,
				(name) -> new CallMetricsInterceptor(this.registry, name, this.maxBackendsPerClient));
	}

	@Override
	public void resolved(String clientName, List<InetSocketAddress> addresses, boolean changed) {
		count(clientName, "success");
		if (changed) {
			interceptorFor(clientName).retainBackends(addresses);
		}
	}

	@Override
	public void failed(String clientName, String error, boolean keptAddresses) {
		count(clientName, "failure");
	}

	private void count(String clientName, String result) {
		this.resolutions.computeIfAbsent(clientName + '\0' + result, (key) -> Counter.builder(GrpcLbMeters.RESOLUTIONS)
			.description("Lookups of the starter's resolvers, by result")
			.tag(GrpcLbMeters.TAG_CLIENT, clientName)
			.tag(GrpcLbMeters.TAG_RESULT, result)
			.register(this.registry)).increment();
	}

}
