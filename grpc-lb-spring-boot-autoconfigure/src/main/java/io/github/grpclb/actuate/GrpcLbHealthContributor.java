package io.github.grpclb.actuate;

import java.util.Iterator;

import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.ClientView;

import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.NamedContributor;

/**
 * The {@code grpcLb} health contributor: one entry per client, as {@link ClientHealth} says. Clients appear as they
 * make their channels. Reads what the balancers already know: never connects, never blocks.
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
		ClientHealth health = ClientHealth.of(client);
		return (health.up() ? Health.up() : Health.down()).withDetails(health.details()).build();
	}

}
