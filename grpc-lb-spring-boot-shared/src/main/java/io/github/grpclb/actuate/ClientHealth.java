package io.github.grpclb.actuate;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.grpclb.channel.ClientView;
import io.grpc.ConnectivityState;

/**
 * The health of one client as the {@code grpcLb} health contributor reports it, whichever Spring Boot line's health
 * types carry it: UP while its balancer has a backend that can take calls (or the client has not connected yet),
 * DOWN with the backends' states otherwise. In the rollback mode (no balancer), UP while the resolver has addresses.
 *
 * @param up whether the client is UP
 * @param details the details to show
 */
public record ClientHealth(boolean up, Map<String, Object> details) {

	/**
	 * The health of a client now.
	 * @param client what the client's balancer sees
	 * @return its health
	 */
	public static ClientHealth of(ClientView.Snapshot client) {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("target", client.target());
		if (!client.pooled()) {
			ClientView.Resolution resolution = client.lastResolution();
			details.put("mode", "dial-per-request");
			if (resolution == null) {
				details.put("resolution", "none yet");
				return new ClientHealth(true, details);
			}
			details.put("addresses", resolution.addresses());
			if (!resolution.succeeded()) {
				details.put("error", resolution.error());
			}
			return new ClientHealth(!resolution.addresses().isEmpty(), details);
		}
		long usable = client.usableBackends();
		details.put("usableBackends", usable);
		details.put("backends", client.backends().size());
		ConnectivityState state = client.channelState();
		if (usable > 0 || state == null || state == ConnectivityState.IDLE) {
			if (usable == 0) {
				details.put("state", "IDLE (not connected yet)");
			}
			return new ClientHealth(true, details);
		}
		details.put("state", state.name());
		Map<String, String> backends = new LinkedHashMap<>();
		for (ClientView.BackendSnapshot backend : client.backends()) {
			backends.put(backend.address(), describe(backend));
		}
		details.put("backendStates", backends);
		ClientView.Resolution resolution = client.lastResolution();
		if (resolution != null && !resolution.succeeded()) {
			details.put("resolutionError", resolution.error());
		}
		return new ClientHealth(false, details);
	}

	private static String describe(ClientView.BackendSnapshot backend) {
		StringBuilder text = new StringBuilder(String.valueOf(backend.state()));
		if (backend.stateDetail() != null) {
			text.append(" (").append(backend.stateDetail()).append(')');
		}
		if (backend.ejected()) {
			text.append(", ejected");
		}
		if (!backend.health().allowsCalls()) {
			text.append(", health ").append(backend.health());
		}
		return text.toString();
	}

}
