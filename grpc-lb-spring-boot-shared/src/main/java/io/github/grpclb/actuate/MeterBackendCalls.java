package io.github.grpclb.actuate;

import java.util.HashMap;
import java.util.Map;

import io.github.grpclb.metrics.GrpcLbMeters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Calls per backend as the starter's {@value GrpcLbMeters#CALLS} timers counted them.
 */
public final class MeterBackendCalls implements BackendCalls {

	private final MeterRegistry registry;

	/**
	 * @param registry where the timers are
	 */
	public MeterBackendCalls(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public Map<String, Counts> byBackend(String client) {
		Map<String, Counts> counts = new HashMap<>();
		for (Timer timer : this.registry.find(GrpcLbMeters.CALLS).tag(GrpcLbMeters.TAG_CLIENT, client).timers()) {
			String backend = timer.getId().getTag(GrpcLbMeters.TAG_BACKEND);
			long calls = timer.count();
			long failures = "OK".equals(timer.getId().getTag(GrpcLbMeters.TAG_STATUS)) ? 0 : calls;
			counts.merge(backend, new Counts(calls, failures),
					(a, b) -> new Counts(a.calls() + b.calls(), a.failures() + b.failures()));
		}
		return counts;
	}

}
