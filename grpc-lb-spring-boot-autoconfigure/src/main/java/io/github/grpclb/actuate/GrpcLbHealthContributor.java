package io.github.grpclb.actuate;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.ClientView;
import io.grpc.ConnectivityState;

import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.NamedContributor;

/**
 * The {@code grpcLb} health contributor: one entry per client, UP while its balancer has a backend that can take
 * calls (or the client has not connected yet), DOWN with the backends' states otherwise. In the rollback mode (no
 * balancer), UP while the resolver has addresses. Clients appear as they make their channels. Reads what the
 * balancers already know: never connects, never blocks.
 * <p>
 * Not part of the readiness group unless the application adds it: an outage of a service this application calls
 * should not take this application's own pods out of their Service.
 */
public class GrpcLbHealthContributor implements CompositeHealthContributor {

	private final BalancerViews views;

	/**
	 * @param views what the clients' balancers see
	 */
	public GrpcLbHealthContributor(BalancerViews views) {
		this.views = views;
	}

	@Override
	public HealthContributor getContributor(String name) {
		ClientView view = this.views.view(name);
		return (view != null) ? indicator(view) : null;
	}

	@Override
	public Iterator<NamedContributor<HealthContributor>> iterator() {
		return this.views.all()
			.stream()
			.map((view) -> NamedContributor.of(view.name(), (HealthContributor) indicator(view)))
			.iterator();
	}

	private static HealthIndicator indicator(ClientView view) {
		return () -> health(view.snapshot());
	}

	static Health health(ClientView.Snapshot client) {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("target", client.target());
		if (!client.pooled()) {
			ClientView.Resolution resolution = client.lastResolution();
			details.put("mode", "dial-per-request");
			if (resolution == null) {
				return Health.up().withDetails(details).withDetail("resolution", "none yet").build();
			}
			details.put("addresses", resolution.addresses());
			if (!resolution.succeeded()) {
				details.put("error", resolution.error());
			}
			return (resolution.addresses().isEmpty() ? Health.down() : Health.up()).withDetails(details).build();
		}
		long usable = client.usableBackends();
		details.put("usableBackends", usable);
		details.put("backends", client.backends().size());
		ConnectivityState state = client.channelState();
		if (usable > 0 || state == null || state == ConnectivityState.IDLE) {
			if (usable == 0) {
				details.put("state", "IDLE (not connected yet)");
			}
			return Health.up().withDetails(details).build();
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
		return Health.down().withDetails(details).build();
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
