package io.github.grpclb.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.ChannelSettings;
import io.github.grpclb.channel.ClientView;
import io.github.grpclb.channel.ResolverSettings;
import io.github.grpclb.channel.Target;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;
import org.springframework.lang.Nullable;

/**
 * {@code /actuator/grpclb}: what each client's balancer sees — target, policy, resolver and its last answer, and per
 * backend the connection state, health check, ejection and calls — plus the effective settings and the properties
 * that set them. {@code /actuator/grpclb/{client}} shows one client. Shows no secrets: TLS is reported as on or off,
 * and configured properties by name and origin, never by value.
 */
@Endpoint(id = "grpclb")
public class GrpcLbEndpoint {

	private static final ConfigurationPropertyName CLIENTS = ConfigurationPropertyName.of("grpc.lb.clients");

	private static final ConfigurationPropertyName DEFAULTS = ConfigurationPropertyName.of("grpc.lb.defaults");

	private final BalancerViews views;

	private final boolean pooling;

	private final BackendCalls calls;

	private final Environment environment;

	/**
	 * Create the endpoint.
	 * @param views what the clients' balancers see
	 * @param pooling whether clients use pooled channels (false: the rollback mode)
	 * @param calls calls per backend, from the metrics ({@link BackendCalls#NONE} without Micrometer)
	 * @param environment where the configuration comes from
	 */
	public GrpcLbEndpoint(BalancerViews views, boolean pooling, BackendCalls calls, Environment environment) {
		this.views = views;
		this.pooling = pooling;
		this.calls = calls;
		this.environment = environment;
	}

	/** @return every client */
	@ReadOperation
	public ClientsDescriptor clients() {
		Map<String, ClientDescriptor> clients = new LinkedHashMap<>();
		for (ClientView view : this.views.all()) {
			clients.put(view.name(), describe(view.snapshot()));
		}
		return new ClientsDescriptor(this.pooling ? "pooled" : "dial-per-request", clients);
	}

	/**
	 * @param client a client's name
	 * @return the client, or {@code null} (404) when it has made no channel
	 */
	@ReadOperation
	public ClientDescriptor client(@Selector String client) {
		ClientView view = this.views.view(client);
		return (view != null) ? describe(view.snapshot()) : null;
	}

	private ClientDescriptor describe(ClientView.Snapshot client) {
		Map<String, BackendCalls.Counts> counts = this.calls.byBackend(client.name());
		long total = counts.values().stream().mapToLong(BackendCalls.Counts::calls).sum();
		List<BackendDescriptor> backends = new ArrayList<>();
		for (ClientView.BackendSnapshot backend : client.backends()) {
			BackendCalls.Counts count = counts.get(backend.address());
			backends.add(new BackendDescriptor(backend.address(), String.valueOf(backend.state()),
					backend.stateDetail(), backend.health().name(), backend.healthDetail(), backend.ejected(),
					backend.ejectedSince(), backend.ejections(), backend.usable(),
					(count != null) ? count.calls() : null, (count != null) ? count.failures() : null,
					(count != null && total > 0) ? Math.round(count.calls() * 10000.0 / total) / 100.0 : null,
					backend.zone()));
		}
		ChannelSettings settings = client.settings();
		return new ClientDescriptor(client.name(), client.target(), client.policy(),
				client.pooled() ? "pooled" : "dial-per-request", (settings != null) ? resolver(settings) : null,
				resolution(client.lastResolution()),
				(client.lastSuccessfulResolution() != null) ? client.lastSuccessfulResolution().at() : null,
				client.nextResolution(),
				(client.channelState() != null) ? client.channelState().name() : null, client.usableBackends(),
				backends, client.ejections(), healthTransitions(client), (settings != null) ? settings(settings) : null,
				configuredBy(client.name()));
	}

	private static ResolverDescriptor resolver(ChannelSettings settings) {
		ResolverSettings resolver = settings.resolver();
		String dnsServer = null;
		try {
			Target target = Target.parse(settings.target(), resolver.srv());
			if (target.kind() == Target.Kind.KUBERNETES) {
				ResolverSettings.KubernetesSettings kubernetes = resolver.kubernetes();
				return new ResolverDescriptor("kubernetes", null, null, null, false,
						kubernetes.preferSameZone() ? (kubernetes.zone() != null) ? kubernetes.zone() : "(node's)"
								: null);
			}
			dnsServer = (target.dnsServer() != null) ? target.dnsServer().toString() : null;
		}
		catch (IllegalArgumentException ex) {
			// A target only grpc-java's own resolvers understand: nothing more to say.
		}
		boolean refreshing = resolver.type() == ResolverSettings.Type.REFRESHING;
		return new ResolverDescriptor(resolver.type().name().toLowerCase(java.util.Locale.ROOT),
				(dnsServer != null) ? dnsServer : "system", refreshing ? text(resolver.refreshInterval()) : null,
				refreshing ? text(resolver.minRefreshInterval()) : null, resolver.srv(), null);
	}

	private static ResolutionDescriptor resolution(@Nullable ClientView.Resolution resolution) {
		if (resolution == null) {
			return null;
		}
		return new ResolutionDescriptor(resolution.at(), resolution.succeeded() ? "ok" : "failed",
				resolution.addresses(), resolution.error());
	}

	private static Map<String, Long> healthTransitions(ClientView.Snapshot client) {
		Map<String, Long> transitions = new LinkedHashMap<>();
		client.healthTransitions().forEach((health, count) -> {
			if (count > 0) {
				transitions.put(health.name(), count);
			}
		});
		return transitions;
	}

	/** The effective settings, without TLS material. */
	private static Map<String, Object> settings(ChannelSettings settings) {
		Map<String, Object> all = new LinkedHashMap<>();
		all.put("keepalive-time", text(settings.keepaliveTime()));
		all.put("keepalive-timeout", text(settings.keepaliveTimeout()));
		all.put("keepalive-without-calls", settings.keepaliveWithoutCalls());
		all.put("connect-timeout", text(settings.connectTimeout()));
		all.put("idle-timeout", text(settings.idleTimeout()));
		all.put("max-inbound-message-size", settings.maxInboundMessageSize());
		all.put("deadline", text(settings.deadline()));
		ChannelSettings.RetrySettings retry = settings.retry();
		Map<String, Object> retries = new LinkedHashMap<>();
		retries.put("enabled", retry.enabled());
		if (retry.enabled()) {
			retries.put("max-attempts", retry.maxAttempts());
			retries.put("initial-backoff", text(retry.initialBackoff()));
			retries.put("max-backoff", text(retry.maxBackoff()));
			retries.put("backoff-multiplier", retry.backoffMultiplier());
			retries.put("retryable-status-codes", retry.retryableStatusCodes());
			retries.put("throttling", (retry.throttling() != null) ? Map.of("max-tokens", retry.throttling().maxTokens(),
					"token-ratio", retry.throttling().tokenRatio()) : Map.of("enabled", false));
		}
		all.put("retry", retries);
		all.put("tls", settings.tls() != null);
		all.put("health-check", (settings.healthCheck() != null)
				? Map.of("enabled", true, "service-name", settings.healthCheck().serviceName()) : Map.of("enabled", false));
		all.put("outlier-detection", outlierDetection(settings.outlierDetection()));
		List<Map<String, Object>> methods = new ArrayList<>();
		for (ChannelSettings.MethodSettings method : settings.methods()) {
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("name", (method.method() != null) ? method.service() + "/" + method.method() : method.service());
			entry.put("deadline", text(method.deadline()));
			entry.put("retry-max-attempts", (method.retry() != null && method.retry().enabled())
					? method.retry().maxAttempts() : null);
			entry.put("hedging", (method.hedging() != null) ? Map.of("max-attempts", method.hedging().maxAttempts(),
					"delay", text(method.hedging().delay())) : null);
			methods.add(entry);
		}
		all.put("methods", methods);
		return all;
	}

	private static Map<String, Object> outlierDetection(@Nullable ChannelSettings.OutlierDetectionSettings outliers) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("enabled", outliers != null);
		if (outliers == null) {
			return map;
		}
		map.put("interval", text(outliers.interval()));
		map.put("base-ejection-time", text(outliers.baseEjectionTime()));
		map.put("max-ejection-time", text(outliers.maxEjectionTime()));
		map.put("max-ejection-percent", outliers.maxEjectionPercent());
		ChannelSettings.OutlierDetectionSettings.FailurePercentage failures = outliers.failurePercentage();
		map.put("failure-percentage", (failures != null) ? Map.of("threshold", failures.threshold(), "minimum-hosts",
				failures.minimumHosts(), "request-volume", failures.requestVolume()) : Map.of("enabled", false));
		ChannelSettings.OutlierDetectionSettings.SuccessRate success = outliers.successRate();
		map.put("success-rate", (success != null) ? Map.of("stdev-factor", success.stdevFactor(), "minimum-hosts",
				success.minimumHosts(), "request-volume", success.requestVolume()) : Map.of("enabled", false));
		return map;
	}

	/** A duration as it is written in application.yml: 100ms, 10s, 5m. */
	static String text(@Nullable Duration duration) {
		if (duration == null) {
			return null;
		}
		long millis = duration.toMillis();
		if (millis % 60_000 == 0 && millis != 0) {
			return (millis / 60_000) + "m";
		}
		return (millis % 1000 == 0) ? (millis / 1000) + "s" : millis + "ms";
	}

	/** The properties set for this client, directly or through the defaults, with where each was set. */
	private Map<String, String> configuredBy(String clientName) {
		Map<String, String> properties = new TreeMap<>();
		ConfigurationPropertyName client = CLIENTS.append(ConfigurationPropertyName.adapt(clientName, '.'));
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(this.environment)) {
			if (!(source instanceof IterableConfigurationPropertySource iterable)) {
				continue;
			}
			iterable.stream()
				.filter((name) -> client.isAncestorOf(name) || DEFAULTS.isAncestorOf(name))
				.forEach((name) -> {
					ConfigurationProperty property = iterable.getConfigurationProperty(name);
					String origin = (property != null && property.getOrigin() != null)
							? property.getOrigin().toString() : source.getUnderlyingSource().toString();
					properties.putIfAbsent(name.toString(), origin);
				});
		}
		return properties;
	}

	/**
	 * Every client.
	 * @param mode {@code pooled}, or {@code dial-per-request} in the rollback mode
	 * @param clients by name
	 */
	public record ClientsDescriptor(String mode, Map<String, ClientDescriptor> clients) implements OperationResponseBody {
	}

	/**
	 * One client.
	 * @param name its name
	 * @param target its target
	 * @param policy its load-balancing policy
	 * @param mode {@code pooled} or {@code dial-per-request}
	 * @param resolver how its target is resolved
	 * @param lastResolution the resolver's last answer or failure
	 * @param lastSuccessfulResolution when the resolver last answered
	 * @param nextResolution when it looks up next (the starter's resolvers)
	 * @param state the balancer's overall state (READY as soon as one backend is usable)
	 * @param usableBackends backends that can take calls now
	 * @param backends what the balancer has, by address
	 * @param ejections ejections so far
	 * @param healthTransitions health check results that changed a backend's health, by result
	 * @param settings the effective settings
	 * @param configuredBy the properties that set them, with where each was set
	 */
	public record ClientDescriptor(String name, String target, String policy, String mode,
			ResolverDescriptor resolver, ResolutionDescriptor lastResolution, Instant lastSuccessfulResolution,
			Instant nextResolution, String state, long usableBackends, List<BackendDescriptor> backends, long ejections,
			Map<String, Long> healthTransitions, Map<String, Object> settings, Map<String, String> configuredBy)
			implements OperationResponseBody {
	}

	/**
	 * How a client's target is resolved.
	 * @param type {@code refreshing} (the starter's), {@code grpc} (grpc-java's own) or {@code kubernetes} (the
	 * EndpointSlice watch)
	 * @param dnsServer the DNS server asked, or {@code system} for the system's configuration
	 * @param refreshInterval how often it asks
	 * @param minRefreshInterval how often it may ask at most
	 * @param srv whether ports come from SRV records
	 * @param preferredZone the zone calls stay in ({@code kubernetes} with {@code prefer-same-zone}), else
	 * {@code null}
	 */
	public record ResolverDescriptor(String type, String dnsServer, String refreshInterval, String minRefreshInterval,
			boolean srv, String preferredZone) {
	}

	/**
	 * A resolver's lookup.
	 * @param at when
	 * @param result {@code ok} or {@code failed}
	 * @param addresses what it returned (after a failure: what the client kept)
	 * @param error why it failed
	 */
	public record ResolutionDescriptor(Instant at, String result, List<String> addresses, String error) {
	}

	/**
	 * A backend.
	 * @param address its address
	 * @param state the connection's state (IDLE, CONNECTING, READY, TRANSIENT_FAILURE)
	 * @param stateDetail why it is not READY
	 * @param health what its health check says
	 * @param healthDetail the health check's last answer or error
	 * @param ejected whether outlier detection ejected it
	 * @param ejectedSince since when
	 * @param ejections how often it was ejected
	 * @param usable whether it can take calls now
	 * @param calls calls it served (attempts, from the metrics; {@code null} without Micrometer)
	 * @param failures of those, the ones that did not end OK
	 * @param sharePercent its share of the client's calls, in percent
	 * @param zone the zone it runs in ({@code kubernetes} targets), or {@code null}
	 */
	public record BackendDescriptor(String address, String state, String stateDetail, String health,
			String healthDetail, boolean ejected, Instant ejectedSince, long ejections, boolean usable, Long calls,
			Long failures, Double sharePercent, String zone) {
	}

}
