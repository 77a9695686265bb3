package io.github.grpclb.autoconfigure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import io.github.grpclb.channel.ChannelSettings;
import io.github.grpclb.channel.ChannelSettingsProvider;
import io.github.grpclb.channel.KubernetesNameResolverProvider;
import io.github.grpclb.channel.ResolverSettings;
import io.github.grpclb.channel.Target;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.io.Resource;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

/**
 * Resolves each client's settings as {@code grpc.lb.defaults} overridden by {@code grpc.lb.clients.<name>}, and
 * validates all of them when the context starts, so that a bad value fails startup with the property named rather
 * than failing the first call.
 */
public final class ClientSettingsResolver implements ChannelSettingsProvider {

	static final String DEFAULTS = GrpcLbProperties.PREFIX + ".defaults";

	static final String CLIENTS = GrpcLbProperties.PREFIX + ".clients";

	/** grpc-java's floor for client keepalive pings (KeepAliveManager). */
	private static final Duration MIN_KEEPALIVE_TIME = Duration.ofSeconds(10);

	private static final Duration MIN_REFRESH_GAP = Duration.ofMillis(100);

	private static final Logger logger = LoggerFactory.getLogger(ClientSettingsResolver.class);

	/** grpc-services registers the health-checking round_robin. */
	private static final boolean HEALTH_CHECKING_AVAILABLE = ClassUtils.isPresent(
			"io.grpc.protobuf.services.internal.HealthCheckingRoundRobinLoadBalancerProvider",
			ClientSettingsResolver.class.getClassLoader());

	private final Binder binder;

	private final ClassLoader classLoader;

	private boolean healthCheckWarned;

	private final Map<String, ChannelSettings> settings;

	/** The defaults alone, for the gRPC integration's own channels (net.devh's, Spring gRPC's) without a client entry. */
	private final ChannelSettings defaults;

	/**
	 * Resolve and validate every configured client.
	 * @param properties the bound properties (for the client names and the shutdown timeout)
	 * @param binder binder over the environment, used to layer client values over the defaults
	 * @throws GrpcLbConfigurationException naming the first invalid property
	 */
	public ClientSettingsResolver(GrpcLbProperties properties, Binder binder) {
		this(properties, binder, ClientSettingsResolver.class.getClassLoader());
	}

	/**
	 * Resolve and validate every configured client.
	 * @param properties the bound properties (for the client names and the shutdown timeout)
	 * @param binder binder over the environment, used to layer client values over the defaults
	 * @param classLoader the application's class loader (where optional dependencies are looked for)
	 * @throws GrpcLbConfigurationException naming the first invalid property
	 */
	public ClientSettingsResolver(GrpcLbProperties properties, Binder binder, ClassLoader classLoader) {
		this.binder = binder;
		this.classLoader = (classLoader != null) ? classLoader : ClientSettingsResolver.class.getClassLoader();
		requirePositive(GrpcLbProperties.PREFIX + ".shutdown-timeout", properties.getShutdownTimeout());
		// Validated even when no client uses them yet: the integration's channels and later clients will.
		GrpcLbProperties.Client defaultValues = bindMerged(null);
		Target defaultTarget = parseTarget(DEFAULTS + ".target", StringUtils.hasText(defaultValues.getTarget())
				? defaultValues.getTarget() : "dns:///unset.invalid:1", defaultValues.getResolver().isSrv());
		this.defaults = build(null, defaultValues, defaultTarget);
		Map<String, ChannelSettings> resolved = new LinkedHashMap<>();
		for (String name : properties.getClients().keySet()) {
			resolved.put(name, resolve(name));
		}
		this.settings = Collections.unmodifiableMap(resolved);
	}

	@Override
	public ChannelSettings forClient(String clientName) {
		ChannelSettings found = this.settings.get(clientName);
		if (found == null) {
			String property = CLIENTS + "." + clientName + ".target";
			throw new GrpcLbConfigurationException(property, null,
					"gRPC client '" + clientName + "' is used (e.g. by @GrpcLbClient(\"" + clientName
							+ "\")) but has no target configured",
					"Set " + property + " to the service address, e.g. " + property
							+ "=dns:///" + clientName + ".my-namespace.svc.cluster.local:9090 (the pod port of a "
							+ "headless Service), or fix the client name. Configured clients: " + this.settings.keySet());
		}
		return found;
	}

	/**
	 * The settings of a client if it is configured, else the defaults (whose target is meaningless here).
	 * @param clientName a client name
	 * @return the settings
	 */
	ChannelSettings forClientOrDefaults(String clientName) {
		ChannelSettings found = this.settings.get(clientName);
		return (found != null) ? found : this.defaults;
	}

	/**
	 * The keepalive time of the defaults (used by the integration's channels without a client entry) and of every
	 * configured client, by the property each one comes from; clients that inherit it share the defaults' entry.
	 * @return keepalive times by full property name
	 */
	Map<String, Duration> keepaliveTimes() {
		Map<String, Duration> times = new LinkedHashMap<>();
		times.put(property(null, "keepalive-time"), this.defaults.keepaliveTime());
		this.settings.forEach((name, client) -> times.put(property(name, "keepalive-time"), client.keepaliveTime()));
		return times;
	}

	private ChannelSettings resolve(String name) {
		GrpcLbProperties.Client merged = bindMerged(name);
		String property = property(name, "target");
		if (!StringUtils.hasText(merged.getTarget())) {
			property = CLIENTS + "." + name + ".target";
			throw new GrpcLbConfigurationException(property, merged.getTarget(),
					"every client needs a target",
					"Set " + property + " to the service address, e.g. dns:///" + name
							+ ".my-namespace.svc.cluster.local:9090 (the pod port of a headless Service).");
		}
		return build(name, merged, parseTarget(property, merged.getTarget(), merged.getResolver().isSrv()));
	}

	private GrpcLbProperties.Client bindMerged(String name) {
		GrpcLbProperties.Client merged = new GrpcLbProperties.Client();
		this.binder.bind(DEFAULTS, Bindable.ofInstance(merged));
		if (name != null) {
			this.binder.bind(clientPrefix(name), Bindable.ofInstance(merged));
		}
		return merged;
	}

	private ChannelSettings build(String name, GrpcLbProperties.Client c, Target target) {
		String policy = (c.getPolicy() != null) ? c.getPolicy().trim() : null;
		LoadBalancerProvider provider = StringUtils.hasText(policy)
				? LoadBalancerRegistry.getDefaultRegistry().getProvider(policy) : null;
		if (provider == null) {
			throw new GrpcLbConfigurationException(property(name, "policy"), c.getPolicy(),
					"no load-balancing policy of that name is registered",
					"Set " + property(name, "policy") + " to round_robin (spreads calls over every pod) or "
							+ "pick_first (one connection). Other policies need their provider on the classpath.");
		}
		// The service config names the policy with an empty config (ServiceConfigs): grpc-java would refuse the
		// whole service config when the channel is built.
		ConfigOrError policyConfig = provider.parseLoadBalancingPolicyConfig(Map.of());
		if (policyConfig.getError() != null) {
			throw new GrpcLbConfigurationException(property(name, "policy"), c.getPolicy(),
					"grpc-java's " + policy + " policy needs a configuration of its own (such as a child policy), "
							+ "and refuses to run without one: " + policyConfig.getError().getDescription(),
					"Set " + property(name, "policy") + " to a policy that works by name alone: round_robin "
							+ "(spreads calls over every pod) or pick_first (one connection).");
		}
		requirePositive(property(name, "keepalive-time"), c.getKeepaliveTime());
		if (c.getKeepaliveTime().compareTo(MIN_KEEPALIVE_TIME) < 0) {
			throw new GrpcLbConfigurationException(property(name, "keepalive-time"), c.getKeepaliveTime(),
					"grpc-java does not ping more often than every 10s and would silently use 10s instead",
					"Set " + property(name, "keepalive-time") + " to 10s or more (and make sure the server permits "
							+ "pings that often, or it answers GOAWAY too_many_pings).");
		}
		requirePositive(property(name, "keepalive-timeout"), c.getKeepaliveTimeout());
		requirePositive(property(name, "connect-timeout"), c.getConnectTimeout());
		if (c.getIdleTimeout() != null) {
			requirePositive(property(name, "idle-timeout"), c.getIdleTimeout());
		}
		if (c.getDeadline() != null) {
			requirePositive(property(name, "deadline"), c.getDeadline());
		}
		Integer maxInbound = null;
		if (c.getMaxInboundMessageSize() != null) {
			DataSize size = c.getMaxInboundMessageSize();
			if (size.toBytes() <= 0 || size.toBytes() > Integer.MAX_VALUE) {
				throw new GrpcLbConfigurationException(property(name, "max-inbound-message-size"), size,
						"must be more than 0 and at most 2GB",
						"Set " + property(name, "max-inbound-message-size") + " to a size such as 16MB, or remove it "
								+ "to keep grpc-java's 4MB default.");
			}
			maxInbound = (int) size.toBytes();
		}
		ChannelSettings.RetrySettings retry = retry(name, c.getRetry());
		return new ChannelSettings(target.uri(), policy, c.getKeepaliveTime(), c.getKeepaliveTimeout(),
				c.isKeepaliveWithoutCalls(), c.getConnectTimeout(), c.getIdleTimeout(), maxInbound, c.getDeadline(),
				retry, tls(name, c), resolver(name, c.getResolver(), c.getKubernetes(), target),
				healthCheck(c.getHealthCheck()), outlierDetection(name, c.getOutlierDetection()),
				methods(name, c, retry));
	}

	private ResolverSettings resolver(String name, GrpcLbProperties.Resolver r, GrpcLbProperties.Kubernetes k,
			Target target) {
		requirePositive(property(name, "resolver.refresh-interval"), r.getRefreshInterval());
		requirePositive(property(name, "resolver.min-refresh-interval"), r.getMinRefreshInterval());
		requirePositive(property(name, "resolver.query-timeout"), r.getQueryTimeout());
		if (r.getMinRefreshInterval().compareTo(MIN_REFRESH_GAP) < 0) {
			throw new GrpcLbConfigurationException(property(name, "resolver.min-refresh-interval"),
					r.getMinRefreshInterval(), "must be at least 100ms, so that DNS is not flooded",
					"Set " + property(name, "resolver.min-refresh-interval") + " to 100ms or more (default 5s).");
		}
		if (r.getMinRefreshInterval().compareTo(r.getRefreshInterval()) > 0) {
			throw new GrpcLbConfigurationException(property(name, "resolver.min-refresh-interval"),
					r.getMinRefreshInterval(), "is longer than resolver.refresh-interval (" + r.getRefreshInterval() + ")",
					"Set " + property(name, "resolver.min-refresh-interval") + " to at most "
							+ property(name, "resolver.refresh-interval") + ".");
		}
		boolean dns = target.kind() == Target.Kind.DNS;
		boolean namesServer = target.dnsServer() != null;
		String authority = namesServer ? target.dnsServer().toString() : null;
		ResolverSettings.Type type = (r.getType() == GrpcLbProperties.ResolverType.GRPC) ? ResolverSettings.Type.GRPC
				: ResolverSettings.Type.REFRESHING;
		if (type == ResolverSettings.Type.GRPC && (namesServer || r.isSrv())) {
			throw new GrpcLbConfigurationException(property(name, "resolver.type"), "grpc",
					namesServer ? "grpc-java's stock resolver ignores the DNS server '" + authority + "' in the target"
							: "grpc-java's stock resolver does not look up SRV records",
					"Remove " + property(name, "resolver.type") + " (the refreshing resolver honours it), or "
							+ (namesServer ? "drop the DNS server from the target." : "turn resolver.srv off."));
		}
		if (r.isSrv() && !dns) {
			throw new GrpcLbConfigurationException(property(name, "resolver.srv"), true,
					"SRV lookups need a dns: target, not '" + target + "'",
					"Use a target such as dns:///orders.shop.svc.cluster.local, or turn resolver.srv off.");
		}
		if ((namesServer || r.isSrv()) && !ClassUtils.isPresent("org.xbill.DNS.Resolver", this.classLoader)) {
			throw new GrpcLbConfigurationException(property(name, namesServer ? "target" : "resolver.srv"),
					namesServer ? target : "true", "DNS queries to a given server and SRV lookups need dnsjava",
					"Add the dependency dnsjava:dnsjava (grpc-lb-spring-boot-starter brings it).");
		}
		return new ResolverSettings(type, r.getRefreshInterval(), r.getMinRefreshInterval(), r.getQueryTimeout(),
				r.isSrv(), kubernetes(name, k, target));
	}

	private ResolverSettings.KubernetesSettings kubernetes(String name, GrpcLbProperties.Kubernetes k, Target target) {
		if (target.kind() == Target.Kind.KUBERNETES
				&& !KubernetesNameResolverProvider.clientPresent(this.classLoader)) {
			throw new GrpcLbConfigurationException(property(name, "target"), target,
					"a kubernetes: target watches EndpointSlices with fabric8's Kubernetes client, which is not on the "
							+ "class path",
					"Add the dependencies " + KubernetesNameResolverProvider.DEPENDENCIES
							+ ", or use a dns: target of a headless Service.");
		}
		if (k.getMinSameZoneEndpoints() < 1) {
			throw new GrpcLbConfigurationException(property(name, "kubernetes.min-same-zone-endpoints"),
					k.getMinSameZoneEndpoints(), "must be at least 1",
					"Set " + property(name, "kubernetes.min-same-zone-endpoints") + " to 1 or more (default 1).");
		}
		if (k.getZone() != null && !k.getZone().isBlank() && !ZONE.matcher(k.getZone().trim()).matches()) {
			throw new GrpcLbConfigurationException(property(name, "kubernetes.zone"), k.getZone(),
					"is not a zone name as Kubernetes labels carry it (letters, digits, '-', '_', '.', at most 63)",
					"Set " + property(name, "kubernetes.zone") + " to the value of the Node label "
							+ "topology.kubernetes.io/zone, e.g. eu-west-1a.");
		}
		return new ResolverSettings.KubernetesSettings(k.isPreferSameZone(), k.getZone(), k.getMinSameZoneEndpoints());
	}

	private ChannelSettings.RetrySettings retry(String name, GrpcLbProperties.Retry retry) {
		return retry((key) -> property(name, key), retry, throttling(name, retry.getThrottling()));
	}

	/**
	 * Validate a retry policy.
	 * @param property the full property name of a key such as "retry.max-attempts"
	 */
	private static ChannelSettings.RetrySettings retry(UnaryOperator<String> property, GrpcLbProperties.Retry retry,
			ChannelSettings.ThrottlingSettings throttling) {
		int attempts = retry.getMaxAttempts();
		if (attempts < 2 || attempts > 5) {
			throw new GrpcLbConfigurationException(property.apply("retry.max-attempts"), attempts,
					"must be between 2 and 5 (it counts the first attempt; grpc-java caps it at 5)",
					"Set " + property.apply("retry.max-attempts") + " to a value from 2 to 5, or set "
							+ property.apply("retry.enabled") + "=false to turn retries off.");
		}
		requirePositive(property.apply("retry.initial-backoff"), retry.getInitialBackoff());
		requirePositive(property.apply("retry.max-backoff"), retry.getMaxBackoff());
		if (retry.getInitialBackoff().compareTo(retry.getMaxBackoff()) > 0) {
			// grpc-java caps later backoffs at max-backoff but waits up to the full initial-backoff first.
			throw new GrpcLbConfigurationException(property.apply("retry.initial-backoff"), retry.getInitialBackoff(),
					"is longer than " + property.apply("retry.max-backoff") + " (" + retry.getMaxBackoff()
							+ "), so the first retry would wait longer than the longest backoff allowed",
					"Set " + property.apply("retry.initial-backoff") + " to at most " + retry.getMaxBackoff()
							+ ", or raise " + property.apply("retry.max-backoff") + ".");
		}
		if (!(retry.getBackoffMultiplier() > 0) || Double.isInfinite(retry.getBackoffMultiplier())) {
			throw new GrpcLbConfigurationException(property.apply("retry.backoff-multiplier"),
					retry.getBackoffMultiplier(), "must be a number greater than 0",
					"Set " + property.apply("retry.backoff-multiplier") + " to a value such as 2.");
		}
		String codesProperty = property.apply("retry.retryable-status-codes");
		if (retry.getRetryableStatusCodes() == null || retry.getRetryableStatusCodes().isEmpty()) {
			throw new GrpcLbConfigurationException(codesProperty, retry.getRetryableStatusCodes(),
					"at least one status code is needed for a retry policy",
					"Set " + codesProperty + " to e.g. UNAVAILABLE, or set " + property.apply("retry.enabled")
							+ "=false.");
		}
		return new ChannelSettings.RetrySettings(retry.isEnabled(), attempts, retry.getInitialBackoff(),
				retry.getMaxBackoff(), retry.getBackoffMultiplier(),
				statusCodes(codesProperty, retry.getRetryableStatusCodes()), throttling);
	}

	/** Upper-case names of gRPC status codes other than OK. */
	private static List<String> statusCodes(String property, List<String> names) {
		List<String> codes = new ArrayList<>();
		for (String code : names) {
			String normalized = (code != null) ? code.trim().toUpperCase(Locale.ROOT) : "";
			try {
				if (normalized.equals("OK")) {
					throw new IllegalArgumentException("OK");
				}
				Status.Code.valueOf(normalized);
			}
			catch (IllegalArgumentException ex) {
				throw new GrpcLbConfigurationException(property, code, "'" + code
						+ "' is not a retryable gRPC status code name",
						"Use names of io.grpc.Status.Code other than OK, e.g. UNAVAILABLE, RESOURCE_EXHAUSTED.");
			}
			codes.add(normalized);
		}
		return codes;
	}

	/** A label value (Kubernetes puts the zone in the label topology.kubernetes.io/zone). */
	private static final Pattern ZONE = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?");

	private static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

	private static final Pattern METHOD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

	private List<ChannelSettings.MethodSettings> methods(String name, GrpcLbProperties.Client c,
			ChannelSettings.RetrySettings clientRetry) {
		List<GrpcLbProperties.Method> methods = (c.getMethods() != null) ? c.getMethods() : List.of();
		String prefix = methodsPrefix(name);
		List<ChannelSettings.MethodSettings> resolved = new ArrayList<>();
		Set<String> seen = new HashSet<>();
		for (int i = 0; i < methods.size(); i++) {
			GrpcLbProperties.Method m = methods.get(i);
			String at = prefix + "[" + i + "].";
			String raw = (m.getName() != null) ? m.getName().trim() : "";
			int slash = raw.indexOf('/');
			String service = (slash < 0) ? raw : raw.substring(0, slash);
			String method = (slash < 0) ? null : raw.substring(slash + 1);
			if (!SERVICE_NAME.matcher(service).matches() || (method != null && !METHOD_NAME.matcher(method).matches())) {
				throw new GrpcLbConfigurationException(at + "name", m.getName(),
						"is not a gRPC service or method name",
						"Set " + at + "name to the fully qualified service, e.g. orders.OrderService, or a method of it, "
								+ "e.g. orders.OrderService/GetOrder (package, service and rpc names from the .proto).");
			}
			if (!seen.add(raw)) {
				throw new GrpcLbConfigurationException(at + "name", raw, "is listed twice",
						"Merge the two entries for " + raw + " under " + prefix + ".");
			}
			if (m.getDeadline() != null) {
				requirePositive(at + "deadline", m.getDeadline());
			}
			GrpcLbProperties.Hedging h = m.getHedging();
			ChannelSettings.HedgingSettings hedging = null;
			ChannelSettings.RetrySettings retry = clientRetry;
			if (h.getMaxAttempts() != null || h.getDelay() != null) {
				if (m.getRetry().isSet()) {
					throw new GrpcLbConfigurationException(at + "hedging.max-attempts", h.getMaxAttempts(),
							"a method is either retried or hedged, not both (gRPC has one policy per method)",
							"Remove " + at + "retry.* or " + at + "hedging.*.");
				}
				if (!m.isIdempotent()) {
					throw new GrpcLbConfigurationException(at + "hedging.max-attempts", h.getMaxAttempts(),
							"hedging sends the same call to several backends, which is safe only for idempotent "
									+ "methods",
							"If doing " + raw + " twice does no harm, set " + at + "idempotent=true; else remove "
									+ at + "hedging.*.");
				}
				if (h.getMaxAttempts() == null || h.getMaxAttempts() < 2 || h.getMaxAttempts() > 5) {
					throw new GrpcLbConfigurationException(at + "hedging.max-attempts", h.getMaxAttempts(),
							"must be between 2 and 5 (it counts the first call; grpc-java caps it at 5)",
							"Set " + at + "hedging.max-attempts to e.g. 2.");
				}
				if (h.getDelay() == null || h.getDelay().isNegative()) {
					throw new GrpcLbConfigurationException(at + "hedging.delay", h.getDelay(),
							"hedging needs the delay before each further call",
							"Set " + at + "hedging.delay to about the method's p95 latency, e.g. 50ms (0s sends "
									+ "all calls at once).");
				}
				List<String> nonFatal = (h.getNonFatalStatusCodes() != null) ? h.getNonFatalStatusCodes() : List.of();
				hedging = new ChannelSettings.HedgingSettings(h.getMaxAttempts(), h.getDelay(),
						statusCodes(at + "hedging.non-fatal-status-codes", nonFatal));
				retry = null;
			}
			else if (m.getRetry().isSet()) {
				GrpcLbProperties.MethodRetry o = m.getRetry();
				GrpcLbProperties.Retry merged = new GrpcLbProperties.Retry();
				merged.setEnabled((o.getEnabled() != null) ? o.getEnabled() : clientRetry.enabled());
				merged.setMaxAttempts((o.getMaxAttempts() != null) ? o.getMaxAttempts() : clientRetry.maxAttempts());
				merged.setInitialBackoff(
						(o.getInitialBackoff() != null) ? o.getInitialBackoff() : clientRetry.initialBackoff());
				merged.setMaxBackoff((o.getMaxBackoff() != null) ? o.getMaxBackoff() : clientRetry.maxBackoff());
				merged.setBackoffMultiplier(
						(o.getBackoffMultiplier() != null) ? o.getBackoffMultiplier() : clientRetry.backoffMultiplier());
				merged.setRetryableStatusCodes((o.getRetryableStatusCodes() != null) ? o.getRetryableStatusCodes()
						: clientRetry.retryableStatusCodes());
				retry = retry((key) -> overridden(o, key) ? at + key : property(name, key), merged,
						clientRetry.throttling());
			}
			resolved.add(new ChannelSettings.MethodSettings(service, method, m.getDeadline(), retry, hedging));
		}
		// Most specific first: a method entry before its service's.
		resolved.sort(java.util.Comparator.comparing((ChannelSettings.MethodSettings e) -> e.method() == null));
		return resolved;
	}

	private static boolean overridden(GrpcLbProperties.MethodRetry retry, String key) {
		return switch (key) {
			case "retry.enabled" -> retry.getEnabled() != null;
			case "retry.max-attempts" -> retry.getMaxAttempts() != null;
			case "retry.initial-backoff" -> retry.getInitialBackoff() != null;
			case "retry.max-backoff" -> retry.getMaxBackoff() != null;
			case "retry.backoff-multiplier" -> retry.getBackoffMultiplier() != null;
			case "retry.retryable-status-codes" -> retry.getRetryableStatusCodes() != null;
			default -> false;
		};
	}

	/** Where the methods list of a client comes from: lists are not merged, the client's replaces the defaults'. */
	private String methodsPrefix(String name) {
		if (name != null && this.binder
			.bind(clientPrefix(name).append("methods"), Bindable.listOf(GrpcLbProperties.Method.class))
			.map((list) -> !list.isEmpty())
			.orElse(false)) {
			return CLIENTS + "." + name + ".methods";
		}
		return DEFAULTS + ".methods";
	}

	private ChannelSettings.ThrottlingSettings throttling(String name, GrpcLbProperties.Throttling throttling) {
		if (!throttling.isEnabled()) {
			return null;
		}
		int maxTokens = throttling.getMaxTokens();
		if (maxTokens < 1 || maxTokens > 1000) {
			throw new GrpcLbConfigurationException(property(name, "retry.throttling.max-tokens"), maxTokens,
					"must be between 1 and 1000 (grpc-java refuses other values)",
					"Set " + property(name, "retry.throttling.max-tokens") + " to e.g. 10, or set "
							+ property(name, "retry.throttling.enabled") + "=false to retry without a budget.");
		}
		double ratio = throttling.getTokenRatio();
		if (!(ratio > 0) || ratio > 1 || Math.round(ratio * 1000) == 0) {
			throw new GrpcLbConfigurationException(property(name, "retry.throttling.token-ratio"), ratio,
					"must be more than 0 and at most 1 (grpc-java keeps three decimals)",
					"Set " + property(name, "retry.throttling.token-ratio") + " to e.g. 0.1: ten successful calls "
							+ "earn back one failed one.");
		}
		return new ChannelSettings.ThrottlingSettings(maxTokens, ratio);
	}

	private ChannelSettings.HealthCheckSettings healthCheck(GrpcLbProperties.HealthCheck healthCheck) {
		if (!healthCheck.isEnabled()) {
			return null;
		}
		if (!HEALTH_CHECKING_AVAILABLE) {
			warnHealthCheckingUnavailable();
			return null;
		}
		return new ChannelSettings.HealthCheckSettings(
				(healthCheck.getServiceName() != null) ? healthCheck.getServiceName().trim() : "");
	}

	private void warnHealthCheckingUnavailable() {
		if (!this.healthCheckWarned) {
			this.healthCheckWarned = true;
			logger.warn("gRPC client-side health checking is on (grpc.lb.*.health-check.enabled) but io.grpc:"
					+ "grpc-services is not on the class path, so backends that report NOT_SERVING keep getting "
					+ "calls. Add io.grpc:grpc-services (grpc-lb-spring-boot-starter brings it), or set "
					+ "grpc.lb.defaults.health-check.enabled=false to say you do not want it.");
		}
	}

	private ChannelSettings.OutlierDetectionSettings outlierDetection(String name,
			GrpcLbProperties.OutlierDetection od) {
		if (!od.isEnabled()) {
			return null;
		}
		String prefix = "outlier-detection.";
		requirePositive(property(name, prefix + "interval"), od.getInterval());
		requirePositive(property(name, prefix + "base-ejection-time"), od.getBaseEjectionTime());
		requirePositive(property(name, prefix + "max-ejection-time"), od.getMaxEjectionTime());
		if (od.getMaxEjectionTime().compareTo(od.getBaseEjectionTime()) < 0) {
			throw new GrpcLbConfigurationException(property(name, prefix + "base-ejection-time"),
					od.getBaseEjectionTime(), "is longer than " + property(name, prefix + "max-ejection-time") + " ("
							+ od.getMaxEjectionTime() + ")",
					"Set " + property(name, prefix + "base-ejection-time") + " to at most "
							+ property(name, prefix + "max-ejection-time") + ", or raise the latter.");
		}
		percent(property(name, prefix + "max-ejection-percent"), od.getMaxEjectionPercent(),
				"50: at most half of the backends ejected at once");
		GrpcLbProperties.FailurePercentage fp = od.getFailurePercentage();
		ChannelSettings.OutlierDetectionSettings.FailurePercentage failurePercentage = null;
		if (fp.isEnabled()) {
			percent(property(name, prefix + "failure-percentage.threshold"), fp.getThreshold(),
					"85: a backend is ejected when more than 85% of its calls fail");
			atLeastOne(property(name, prefix + "failure-percentage.minimum-hosts"), fp.getMinimumHosts());
			atLeastOne(property(name, prefix + "failure-percentage.request-volume"), fp.getRequestVolume());
			failurePercentage = new ChannelSettings.OutlierDetectionSettings.FailurePercentage(fp.getThreshold(),
					fp.getMinimumHosts(), fp.getRequestVolume());
		}
		GrpcLbProperties.SuccessRate sr = od.getSuccessRate();
		ChannelSettings.OutlierDetectionSettings.SuccessRate successRate = null;
		if (sr.isEnabled()) {
			if (!(sr.getStdevFactor() > 0) || Double.isInfinite(sr.getStdevFactor())) {
				throw new GrpcLbConfigurationException(property(name, prefix + "success-rate.stdev-factor"),
						sr.getStdevFactor(), "must be a number greater than 0",
						"Set " + property(name, prefix + "success-rate.stdev-factor") + " to e.g. 1.9.");
			}
			atLeastOne(property(name, prefix + "success-rate.minimum-hosts"), sr.getMinimumHosts());
			atLeastOne(property(name, prefix + "success-rate.request-volume"), sr.getRequestVolume());
			successRate = new ChannelSettings.OutlierDetectionSettings.SuccessRate(sr.getStdevFactor(),
					sr.getMinimumHosts(), sr.getRequestVolume());
		}
		if (failurePercentage == null && successRate == null) {
			throw new GrpcLbConfigurationException(property(name, prefix + "failure-percentage.enabled"), false,
					"outlier detection is on but neither failure-percentage nor success-rate ejection is, so it "
							+ "would never eject anything",
					"Turn " + property(name, prefix + "failure-percentage.enabled") + " (or success-rate.enabled) "
							+ "back on, or set " + property(name, prefix + "enabled") + "=false to switch outlier "
							+ "detection off.");
		}
		return new ChannelSettings.OutlierDetectionSettings(od.getInterval(), od.getBaseEjectionTime(),
				od.getMaxEjectionTime(), od.getMaxEjectionPercent(), failurePercentage, successRate);
	}

	private static void percent(String property, int value, String example) {
		if (value < 1 || value > 100) {
			throw new GrpcLbConfigurationException(property, value, "must be a percentage from 1 to 100",
					"Set " + property + " to a value from 1 to 100, e.g. " + example + ".");
		}
	}

	private static void atLeastOne(String property, int value) {
		if (value < 1) {
			throw new GrpcLbConfigurationException(property, value, "must be at least 1",
					"Set " + property + " to 1 or more, or remove it to keep the starter's default.");
		}
	}

	private ChannelSettings.TlsSettings tls(String name, GrpcLbProperties.Client c) {
		GrpcLbProperties.Tls tls = c.getTls();
		if (c.getNegotiation() != GrpcLbProperties.Negotiation.TLS) {
			requireNoTlsKeys(name, tls);
			return null;
		}
		if ((tls.getCertificateChain() == null) != (tls.getPrivateKey() == null)) {
			String present = (tls.getCertificateChain() != null) ? "tls.certificate-chain" : "tls.private-key";
			String missing = (tls.getCertificateChain() == null) ? "tls.certificate-chain" : "tls.private-key";
			// Name the missing key where its partner was set: that is where the user will add it.
			throw new GrpcLbConfigurationException(prefixFor(name, present) + "." + missing, null,
					"mutual TLS needs both a certificate chain and a private key",
					"Set both " + property(name, "tls.certificate-chain") + " and " + property(name, "tls.private-key")
							+ ", or neither.");
		}
		return new ChannelSettings.TlsSettings(read(property(name, "tls.trust-cert-collection"),
				tls.getTrustCertCollection()), read(property(name, "tls.certificate-chain"), tls.getCertificateChain()),
				read(property(name, "tls.private-key"), tls.getPrivateKey()), tls.getAuthorityOverride());
	}

	/**
	 * Fail when a {@code tls.*} key would be ignored because the client talks plaintext: whoever set it expects
	 * encrypted traffic. Keys set in the defaults are excused for a client that chose plaintext itself, since it
	 * cannot unset them (they serve the clients that do use TLS); a key set on the client, or defaults that are
	 * inconsistent on their own, are not.
	 */
	private void requireNoTlsKeys(String name, GrpcLbProperties.Tls tls) {
		String negotiationProperty = property(name, "negotiation");
		boolean clientChosePlaintext = name != null && !negotiationProperty.startsWith(DEFAULTS + ".");
		String negotiation = (clientChosePlaintext || isSet(negotiationProperty)) ? negotiationProperty
				: "the default; " + negotiationProperty + " is not set";
		Map<String, Object> keys = new LinkedHashMap<>();
		keys.put("tls.trust-cert-collection", description(tls.getTrustCertCollection()));
		keys.put("tls.certificate-chain", description(tls.getCertificateChain()));
		keys.put("tls.private-key", description(tls.getPrivateKey()));
		keys.put("tls.authority-override", tls.getAuthorityOverride());
		for (Map.Entry<String, Object> key : keys.entrySet()) {
			String keyPrefix = (key.getValue() != null) ? prefixFor(name, key.getKey()) : null;
			if (keyPrefix == null || (clientChosePlaintext && keyPrefix.equals(DEFAULTS))) {
				continue;
			}
			String property = keyPrefix + "." + key.getKey();
			throw new GrpcLbConfigurationException(property, key.getValue(),
					"is set, but negotiation is plaintext (" + negotiation + "), so it would be ignored and "
							+ "the traffic would go out unencrypted",
					"Set " + keyPrefix + ".negotiation=tls to use it, or remove " + property + ".");
		}
	}

	private static String description(Resource resource) {
		return (resource != null) ? resource.getDescription() : null;
	}

	private static String read(String property, Resource resource) {
		if (resource == null) {
			return null;
		}
		try {
			return resource.getContentAsString(StandardCharsets.US_ASCII);
		}
		catch (IOException ex) {
			throw new GrpcLbConfigurationException(property, resource.getDescription(),
					"cannot be read: " + ex.getMessage(),
					"Point " + property + " at a readable PEM file, e.g. file:/etc/tls/ca.crt or classpath:ca.crt.");
		}
	}

	/**
	 * Normalise a target with the one target grammar ({@link Target}): {@code host:port} becomes
	 * {@code dns:///host:port}; {@code static:///a:1,b:2} and URIs with a registered scheme are kept as they are.
	 * @param property the property the target came from (for the error)
	 * @param raw the configured target
	 * @param srv whether SRV records give the port
	 * @return the parsed target
	 * @throws GrpcLbConfigurationException when the target is malformed
	 */
	static Target parseTarget(String property, String raw, boolean srv) {
		try {
			return Target.parse(raw, srv);
		}
		catch (Target.SyntaxException ex) {
			throw new GrpcLbConfigurationException(property, raw, ex.getMessage(), ex.hint());
		}
	}

	static void requirePositive(String property, Duration duration) {
		if (duration == null || duration.isZero() || duration.isNegative()) {
			throw new GrpcLbConfigurationException(property, duration, "must be a positive duration",
					"Set " + property + " to a positive duration such as 10s or 500ms.");
		}
	}

	private boolean isSet(String property) {
		return this.binder.bind(property, Bindable.of(Object.class)).isBound();
	}

	private ConfigurationPropertyName clientPrefix(String name) {
		// Adapted, as property sources adapt their keys: map keys such as "orderService" are not canonical names.
		return ConfigurationPropertyName.adapt(CLIENTS + "." + name, '.');
	}

	/**
	 * The name of the property a value came from: the client's own if it sets it, else the default.
	 */
	private String property(String name, String key) {
		return prefixFor(name, key) + "." + key;
	}

	/**
	 * Where a key is set: {@code grpc.lb.clients.<name>} if the client sets it, else {@code grpc.lb.defaults}.
	 */
	private String prefixFor(String name, String key) {
		if (name != null) {
			ConfigurationPropertyName clientKey = clientPrefix(name).append(key);
			if (this.binder.bind(clientKey, Bindable.of(Object.class)).isBound()
					|| this.binder.bind(clientKey, Bindable.listOf(String.class)).isBound()) {
				return CLIENTS + "." + name;
			}
		}
		return DEFAULTS;
	}

}
