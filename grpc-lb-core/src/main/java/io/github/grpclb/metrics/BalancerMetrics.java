package io.github.grpclb.metrics;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.ClientView;
import io.grpc.ConnectivityState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Meters of what each client's balancer sees (see {@link GrpcLbMeters}): resolver answer and age, backends by
 * connection state, usable and ejected backends, ejections and health transitions. All are read from the
 * {@link ClientView}s when scraped; tags are per client (per-backend detail is in the {@code grpclb} endpoint). A
 * client's meters appear when it makes its channel.
 */
public final class BalancerMetrics implements MeterBinder {

	private static final ConnectivityState[] STATES = { ConnectivityState.IDLE, ConnectivityState.CONNECTING,
			ConnectivityState.READY, ConnectivityState.TRANSIENT_FAILURE };

	private final BalancerViews views;

	private final Clock clock;

	/**
	 * @param views the views to follow
	 * @param clock tells the age of resolver answers
	 */
	public BalancerMetrics(BalancerViews views, Clock clock) {
		this.views = Objects.requireNonNull(views, "views");
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.views.eachView((view) -> bind(view, registry));
	}

	private void bind(ClientView view, MeterRegistry registry) {
		String client = view.name();
		gauge(registry, GrpcLbMeters.RESOLVER_ADDRESSES, view, "Addresses in the resolver's current answer",
				(v) -> (v.lastSuccessfulResolution() != null) ? v.lastSuccessfulResolution().addresses().size() : 0);
		Gauge.builder(GrpcLbMeters.RESOLVER_AGE, view, this::resolverAgeSeconds)
			.description("Seconds since the client's resolver last answered")
			.baseUnit("seconds")
			.tag(GrpcLbMeters.TAG_CLIENT, client)
			.register(registry);
		for (ConnectivityState state : STATES) {
			Gauge.builder(GrpcLbMeters.CONNECTIONS, view,
					(v) -> v.countBackends((b) -> b.state() == state))
				.description("Backends of the client's balancer by connection state")
				.tag(GrpcLbMeters.TAG_CLIENT, client)
				.tag(GrpcLbMeters.TAG_STATE, state.name().toLowerCase(Locale.ROOT))
				.register(registry);
		}
		gauge(registry, GrpcLbMeters.USABLE_BACKENDS, view, "Backends that can take calls now",
				(v) -> v.countBackends(ClientView.BackendSnapshot::usable));
		view.onZone((zone) -> Gauge.builder(GrpcLbMeters.ZONE_BACKENDS, view,
				(v) -> v.countBackends((b) -> b.usable() && zone.equals(b.zone())))
			.description("Usable backends of the client's balancer in each zone")
			.tag(GrpcLbMeters.TAG_CLIENT, client)
			.tag(GrpcLbMeters.TAG_ZONE, zone)
			.register(registry));
		gauge(registry, GrpcLbMeters.EJECTED_BACKENDS, view, "Backends outlier detection keeps out now",
				(v) -> v.countBackends(ClientView.BackendSnapshot::ejected));
		FunctionCounter.builder(GrpcLbMeters.EJECTIONS, view, ClientView::ejections)
			.description("Ejections of the client's backends by outlier detection")
			.tag(GrpcLbMeters.TAG_CLIENT, client)
			.register(registry);
		for (ClientView.Health health : ClientView.Health.values()) {
			if (health == ClientView.Health.NOT_CONFIGURED || health == ClientView.Health.NOT_CHECKED
					|| health == ClientView.Health.CHECKING) {
				continue;
			}
			FunctionCounter.builder(GrpcLbMeters.HEALTH_TRANSITIONS, view,
					(v) -> v.healthTransitions(health))
				.description("Health check results that changed a backend's health")
				.tag(GrpcLbMeters.TAG_CLIENT, client)
				.tag(GrpcLbMeters.TAG_STATUS, health.name().toLowerCase(Locale.ROOT))
				.register(registry);
		}
	}

	private static void gauge(MeterRegistry registry, String name, ClientView view, String description,
			ToDoubleFunction<ClientView> value) {
		Gauge.builder(name, view, value)
			.description(description)
			.tag(GrpcLbMeters.TAG_CLIENT, view.name())
			.register(registry);
	}

	private double resolverAgeSeconds(ClientView view) {
		ClientView.Resolution last = view.lastSuccessfulResolution();
		if (last == null) {
			return Double.NaN;
		}
		return Duration.between(last.at(), this.clock.instant()).toMillis() / 1000.0;
	}

}
