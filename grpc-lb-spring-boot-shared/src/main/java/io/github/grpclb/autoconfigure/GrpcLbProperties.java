package io.github.grpclb.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.io.Resource;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties for client-side load-balanced gRPC channels ({@code grpc.lb.*}).
 *
 * <p>
 * Every client named under {@code grpc.lb.clients.<name>} starts from {@code grpc.lb.defaults} and overrides
 * only what it sets itself.
 */
@ConfigurationProperties(prefix = GrpcLbProperties.PREFIX)
public class GrpcLbProperties {

	/** Prefix of every property of this starter. */
	public static final String PREFIX = "grpc.lb";

	/**
	 * Whether to enable the gRPC load-balancing starter.
	 */
	private boolean enabled = true;

	/**
	 * Time budget for closing all channels on shutdown, in total (not per channel). Calls still running when it
	 * runs out are cancelled.
	 */
	private Duration shutdownTimeout = Duration.ofSeconds(10);

	/**
	 * Whether a key under grpc.lb.clients.<name> or grpc.lb.defaults that no setting has (a typo) fails startup. When
	 * false, each such key is logged as a warning instead.
	 */
	private boolean failOnUnknownKeys = true;

	/**
	 * Channel pooling (the rollback switch).
	 */
	private final Pooling pooling = new Pooling();

	/**
	 * Settings every client starts from.
	 */
	private final Client defaults = new Client();

	/**
	 * Clients by name, as used in {@code @GrpcLbClient("name")}. Values set here override the defaults.
	 */
	private Map<String, Client> clients = new LinkedHashMap<>();

	/**
	 * Settings for the gRPC server this application runs (net.devh's server starter on Boot 3.5, Spring gRPC's on
	 * Boot 4).
	 */
	private final Server server = new Server();

	/**
	 * The starter's meters.
	 */
	private final Metrics metrics = new Metrics();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public boolean isFailOnUnknownKeys() {
		return this.failOnUnknownKeys;
	}

	public void setFailOnUnknownKeys(boolean failOnUnknownKeys) {
		this.failOnUnknownKeys = failOnUnknownKeys;
	}

	public Duration getShutdownTimeout() {
		return this.shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	public Pooling getPooling() {
		return this.pooling;
	}

	public Client getDefaults() {
		return this.defaults;
	}

	public Map<String, Client> getClients() {
		return this.clients;
	}

	public void setClients(Map<String, Client> clients) {
		this.clients = clients;
	}

	public Server getServer() {
		return this.server;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	/**
	 * The starter's meters.
	 */
	public static class Metrics {

		/**
		 * Most backends (pod addresses) per client that get grpc.lb.calls series of their own; attempts on further
		 * backends are recorded with backend="other". A safety net only: series of pods the resolver no longer
		 * returns are removed anyway once their last call completes.
		 */
		private int maxBackendsPerClient = 100;

		public int getMaxBackendsPerClient() {
			return this.maxBackendsPerClient;
		}

		public void setMaxBackendsPerClient(int maxBackendsPerClient) {
			this.maxBackendsPerClient = maxBackendsPerClient;
		}

	}

	/**
	 * Server-side connection settings that work with client-side load balancing. Applied to the application's gRPC
	 * server after its own settings ("grpc.server.*" of net.devh on Boot 3.5, "spring.grpc.server.*" on Boot 4), so
	 * these win.
	 */
	public static class Server {

		/**
		 * Whether to apply these settings to the application's gRPC server.
		 */
		private boolean enabled = true;

		/**
		 * Close each connection (GOAWAY) after this long, so that clients without a refreshing resolver reconnect
		 * and re-resolve DNS; calls in flight continue for max-connection-age-grace.
		 */
		private Duration maxConnectionAge = Duration.ofMinutes(5);

		/**
		 * Time calls in flight get to finish on a connection that reached max-connection-age.
		 */
		private Duration maxConnectionAgeGrace = Duration.ofSeconds(30);

		/**
		 * Most frequent client keepalive ping accepted. Must not exceed the clients' keepalive-time (10s by
		 * default), or the server answers GOAWAY too_many_pings; grpc-java's own default is 5 minutes.
		 */
		private Duration permitKeepaliveTime = Duration.ofSeconds(5);

		/**
		 * Accept keepalive pings on connections without calls (the starter's clients send them by default).
		 */
		private boolean permitKeepaliveWithoutCalls = true;

		/**
		 * Serve the standard grpc.health.v1 health service (the gRPC starter's when it registers one, else this
		 * starter's), reporting NOT_SERVING once the application shuts down.
		 */
		private boolean healthService = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getMaxConnectionAge() {
			return this.maxConnectionAge;
		}

		public void setMaxConnectionAge(Duration maxConnectionAge) {
			this.maxConnectionAge = maxConnectionAge;
		}

		public Duration getMaxConnectionAgeGrace() {
			return this.maxConnectionAgeGrace;
		}

		public void setMaxConnectionAgeGrace(Duration maxConnectionAgeGrace) {
			this.maxConnectionAgeGrace = maxConnectionAgeGrace;
		}

		public Duration getPermitKeepaliveTime() {
			return this.permitKeepaliveTime;
		}

		public void setPermitKeepaliveTime(Duration permitKeepaliveTime) {
			this.permitKeepaliveTime = permitKeepaliveTime;
		}

		public boolean isPermitKeepaliveWithoutCalls() {
			return this.permitKeepaliveWithoutCalls;
		}

		public void setPermitKeepaliveWithoutCalls(boolean permitKeepaliveWithoutCalls) {
			this.permitKeepaliveWithoutCalls = permitKeepaliveWithoutCalls;
		}

		public boolean isHealthService() {
			return this.healthService;
		}

		public void setHealthService(boolean healthService) {
			this.healthService = healthService;
		}

	}

	/**
	 * Channel pooling.
	 */
	public static class Pooling {

		/**
		 * Whether to keep one long-lived channel per target. When false, every call dials its own connection and
		 * closes it when the call completes (the rollback mode); calling code does not change. Also read as
		 * on/off, yes/no or 1/0, in any case; any other value fails startup. The legacy environment variable
		 * GRPC_CONNECTION_POOLING_ENABLED is honoured as an alias.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * Settings of one client (or the defaults of all clients).
	 */
	public static class Client {

		/**
		 * Address of the service: "host:port" (becomes "dns:///host:port"), a URI with a registered scheme,
		 * such as "dns:///orders.shop.svc.cluster.local:9090", a fixed list "static:///10.0.0.1:9090,10.0.0.2:9090",
		 * or a Service watched through the Kubernetes API "kubernetes:///orders.shop:grpc" (Service, namespace and
		 * port name or pod port; needs fabric8's Kubernetes client). Use the pod (container) port of a headless
		 * Service. Required for every client.
		 */
		private String target;

		/**
		 * Load-balancing policy: "round_robin" spreads calls over every resolved address; "pick_first" sends
		 * everything to one.
		 */
		private String policy = "round_robin";

		/**
		 * Time without reads after which a keepalive ping is sent (10s at least, grpc-java's minimum). The server
		 * must permit pings this often.
		 */
		private Duration keepaliveTime = Duration.ofSeconds(10);

		/**
		 * Time to wait for a keepalive ping to be answered before the connection is considered dead.
		 */
		private Duration keepaliveTimeout = Duration.ofSeconds(5);

		/**
		 * Whether to send keepalive pings on connections that have no call in flight.
		 */
		private boolean keepaliveWithoutCalls = true;

		/**
		 * Time to wait for a TCP connection to a backend to be established.
		 */
		private Duration connectTimeout = Duration.ofSeconds(5);

		/**
		 * Time without calls after which the channel releases its connections (re-established on the next
		 * call). Unset keeps grpc-java's default of 30 minutes.
		 */
		private Duration idleTimeout;

		/**
		 * Largest response message accepted. Unset keeps grpc-java's default of 4MB.
		 */
		private DataSize maxInboundMessageSize;

		/**
		 * Deadline of every unary call on this client that has no deadline of its own (set on the stub, or by a
		 * "methods" entry). Streaming calls get none unless a "methods" entry sets it, so long-lived streams are never
		 * cut. Unset means no deadline.
		 */
		private Duration deadline;

		/**
		 * Transport security: "plaintext" or "tls". With plaintext, any tls.* key set for the client (or in the
		 * defaults, unless the client chose plaintext itself) fails startup instead of being ignored.
		 */
		private Negotiation negotiation = Negotiation.PLAINTEXT;

		/**
		 * Retry policy (gRPC service config "retryPolicy").
		 */
		private final Retry retry = new Retry();

		/**
		 * TLS settings, used when negotiation is "tls".
		 */
		private final Tls tls = new Tls();

		/**
		 * How "dns:" targets are resolved and kept up to date.
		 */
		private final Resolver resolver = new Resolver();

		/**
		 * How "kubernetes:" targets choose among the Service's ready endpoints.
		 */
		private final Kubernetes kubernetes = new Kubernetes();

		/**
		 * Client-side health checking (grpc.health.v1 Watch on every connection).
		 */
		private final HealthCheck healthCheck = new HealthCheck();

		/**
		 * Ejection of backends whose calls keep failing (outlier detection, wrapping the policy).
		 */
		private final OutlierDetection outlierDetection = new OutlierDetection();

		/**
		 * Settings of single services or methods ("package.Service" or "package.Service/Method"), overriding the
		 * client's deadline and retry policy, or hedging idempotent methods. A client's list replaces the defaults'
		 * list as a whole.
		 */
		private List<Method> methods = new ArrayList<>();

		public String getTarget() {
			return this.target;
		}

		public void setTarget(String target) {
			this.target = target;
		}

		public String getPolicy() {
			return this.policy;
		}

		public void setPolicy(String policy) {
			this.policy = policy;
		}

		public Duration getKeepaliveTime() {
			return this.keepaliveTime;
		}

		public void setKeepaliveTime(Duration keepaliveTime) {
			this.keepaliveTime = keepaliveTime;
		}

		public Duration getKeepaliveTimeout() {
			return this.keepaliveTimeout;
		}

		public void setKeepaliveTimeout(Duration keepaliveTimeout) {
			this.keepaliveTimeout = keepaliveTimeout;
		}

		public boolean isKeepaliveWithoutCalls() {
			return this.keepaliveWithoutCalls;
		}

		public void setKeepaliveWithoutCalls(boolean keepaliveWithoutCalls) {
			this.keepaliveWithoutCalls = keepaliveWithoutCalls;
		}

		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

		public Duration getIdleTimeout() {
			return this.idleTimeout;
		}

		public void setIdleTimeout(Duration idleTimeout) {
			this.idleTimeout = idleTimeout;
		}

		public DataSize getMaxInboundMessageSize() {
			return this.maxInboundMessageSize;
		}

		public void setMaxInboundMessageSize(DataSize maxInboundMessageSize) {
			this.maxInboundMessageSize = maxInboundMessageSize;
		}

		public Duration getDeadline() {
			return this.deadline;
		}

		public void setDeadline(Duration deadline) {
			this.deadline = deadline;
		}

		public Negotiation getNegotiation() {
			return this.negotiation;
		}

		public void setNegotiation(Negotiation negotiation) {
			this.negotiation = negotiation;
		}

		public Retry getRetry() {
			return this.retry;
		}

		public Tls getTls() {
			return this.tls;
		}

		public Resolver getResolver() {
			return this.resolver;
		}

		public Kubernetes getKubernetes() {
			return this.kubernetes;
		}

		public HealthCheck getHealthCheck() {
			return this.healthCheck;
		}

		public OutlierDetection getOutlierDetection() {
			return this.outlierDetection;
		}

		public List<Method> getMethods() {
			return this.methods;
		}

		public void setMethods(List<Method> methods) {
			this.methods = methods;
		}

	}

	/**
	 * Settings of one gRPC service or method.
	 */
	public static class Method {

		/**
		 * The service ("orders.OrderService") or method ("orders.OrderService/GetOrder"), as in the .proto
		 * package, service and rpc names.
		 */
		private String name;

		/**
		 * Deadline of every call of this service or method, streaming calls included. Without it, unary calls get
		 * the client's deadline and streaming calls none.
		 */
		private Duration deadline;

		/**
		 * Whether calls may safely be sent to several backends (the same effect twice does no harm). Required
		 * for hedging.
		 */
		private boolean idempotent;

		/**
		 * Retry settings that differ from the client's; unset keys keep the client's.
		 */
		private final MethodRetry retry = new MethodRetry();

		/**
		 * Hedging: send the call again to another backend when no answer came within the delay, and take the
		 * first answer. For idempotent methods only; excludes retry.
		 */
		private final Hedging hedging = new Hedging();

		public String getName() {
			return this.name;
		}

		public void setName(String name) {
			this.name = name;
		}

		public Duration getDeadline() {
			return this.deadline;
		}

		public void setDeadline(Duration deadline) {
			this.deadline = deadline;
		}

		public boolean isIdempotent() {
			return this.idempotent;
		}

		public void setIdempotent(boolean idempotent) {
			this.idempotent = idempotent;
		}

		public MethodRetry getRetry() {
			return this.retry;
		}

		public Hedging getHedging() {
			return this.hedging;
		}

	}

	/**
	 * Retry settings of one service or method; unset keys keep the client's.
	 */
	public static class MethodRetry {

		/**
		 * Whether to retry calls of this service or method.
		 */
		private Boolean enabled;

		/**
		 * Total number of attempts, the first included (2 to 5).
		 */
		private Integer maxAttempts;

		/**
		 * Upper bound of the random delay before the first retry.
		 */
		private Duration initialBackoff;

		/**
		 * Upper bound of the delay between any two attempts.
		 */
		private Duration maxBackoff;

		/**
		 * Factor by which the backoff grows after each attempt.
		 */
		private Double backoffMultiplier;

		/**
		 * Status codes that cause a retry, by name.
		 */
		private List<String> retryableStatusCodes;

		public Boolean getEnabled() {
			return this.enabled;
		}

		public void setEnabled(Boolean enabled) {
			this.enabled = enabled;
		}

		public Integer getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(Integer maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getInitialBackoff() {
			return this.initialBackoff;
		}

		public void setInitialBackoff(Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

		public Double getBackoffMultiplier() {
			return this.backoffMultiplier;
		}

		public void setBackoffMultiplier(Double backoffMultiplier) {
			this.backoffMultiplier = backoffMultiplier;
		}

		public List<String> getRetryableStatusCodes() {
			return this.retryableStatusCodes;
		}

		public void setRetryableStatusCodes(List<String> retryableStatusCodes) {
			this.retryableStatusCodes = retryableStatusCodes;
		}

		boolean isSet() {
			return this.enabled != null || this.maxAttempts != null || this.initialBackoff != null
					|| this.maxBackoff != null || this.backoffMultiplier != null || this.retryableStatusCodes != null;
		}

	}

	/**
	 * Hedging of one idempotent service or method (gRPC service config "hedgingPolicy").
	 */
	public static class Hedging {

		/**
		 * Most calls sent in parallel, the first included (2 to 5). Setting it turns hedging on.
		 */
		private Integer maxAttempts;

		/**
		 * Time to wait for an answer before sending the call again to another backend, e.g. the method's p95
		 * latency. Required with hedging.
		 */
		private Duration delay;

		/**
		 * Status codes after which the remaining hedged calls go on (any other status ends them all), by name.
		 */
		private List<String> nonFatalStatusCodes = new ArrayList<>(List.of("UNAVAILABLE"));

		public Integer getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(Integer maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getDelay() {
			return this.delay;
		}

		public void setDelay(Duration delay) {
			this.delay = delay;
		}

		public List<String> getNonFatalStatusCodes() {
			return this.nonFatalStatusCodes;
		}

		public void setNonFatalStatusCodes(List<String> nonFatalStatusCodes) {
			this.nonFatalStatusCodes = nonFatalStatusCodes;
		}

	}

	/**
	 * Client-side health checking: one grpc.health.v1 Watch stream per connected backend; a backend that reports
	 * anything but SERVING gets no new calls until it does.
	 */
	public static class HealthCheck {

		/**
		 * Whether to watch each backend's grpc.health.v1 status and take backends that are not SERVING out of
		 * rotation. A backend without the health service counts as healthy. Works with the round_robin policy
		 * (grpc-java does not health-check pick_first) and needs io.grpc:grpc-services, which the starter brings.
		 */
		private boolean enabled = true;

		/**
		 * Service name to ask the health service about; empty means the whole server.
		 */
		private String serviceName = "";

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getServiceName() {
			return this.serviceName;
		}

		public void setServiceName(String serviceName) {
			this.serviceName = serviceName;
		}

	}

	/**
	 * Outlier detection (grpc-java's outlier_detection_experimental): every interval, backends whose calls failed
	 * too often in that interval are ejected (no new calls) for a while, longer each time they are ejected again.
	 */
	public static class OutlierDetection {

		/**
		 * Whether to eject backends whose calls keep failing. Every non-OK status counts as a failure, application
		 * errors included, so a backend is ejected only when it fails far more than the threshold.
		 */
		private boolean enabled = true;

		/**
		 * How often the failure counts are evaluated (and reset); also how much traffic a backend needs within it
		 * (request-volume).
		 */
		private Duration interval = Duration.ofSeconds(5);

		/**
		 * How long a backend stays ejected the first time; each further ejection multiplies it.
		 */
		private Duration baseEjectionTime = Duration.ofSeconds(30);

		/**
		 * Longest ejection, however often a backend has been ejected.
		 */
		private Duration maxEjectionTime = Duration.ofMinutes(5);

		/**
		 * Most backends ejected at once, as a percentage of all (1 to 100); at least one can always be ejected.
		 */
		private int maxEjectionPercent = 50;

		/**
		 * Ejection of backends whose share of failed calls is above a fixed threshold.
		 */
		private final FailurePercentage failurePercentage = new FailurePercentage();

		/**
		 * Ejection of backends whose success rate is far below the fleet's (statistical; off by default).
		 */
		private final SuccessRate successRate = new SuccessRate();

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

		public Duration getBaseEjectionTime() {
			return this.baseEjectionTime;
		}

		public void setBaseEjectionTime(Duration baseEjectionTime) {
			this.baseEjectionTime = baseEjectionTime;
		}

		public Duration getMaxEjectionTime() {
			return this.maxEjectionTime;
		}

		public void setMaxEjectionTime(Duration maxEjectionTime) {
			this.maxEjectionTime = maxEjectionTime;
		}

		public int getMaxEjectionPercent() {
			return this.maxEjectionPercent;
		}

		public void setMaxEjectionPercent(int maxEjectionPercent) {
			this.maxEjectionPercent = maxEjectionPercent;
		}

		public FailurePercentage getFailurePercentage() {
			return this.failurePercentage;
		}

		public SuccessRate getSuccessRate() {
			return this.successRate;
		}

	}

	/**
	 * Failure-percentage ejection.
	 */
	public static class FailurePercentage {

		/**
		 * Whether backends with too high a share of failed calls are ejected.
		 */
		private boolean enabled = true;

		/**
		 * Share of failed calls, in percent (1 to 100), above which a backend is ejected.
		 */
		private int threshold = 85;

		/**
		 * Fewest backends with enough calls (request-volume) for this check to run at all (at least 2 counts a
		 * Deployment of 2 pods; grpc-java's own default of 5 never ejects in a 3-pod Deployment).
		 */
		private int minimumHosts = 2;

		/**
		 * Fewest calls a backend must have had in one interval to be judged.
		 */
		private int requestVolume = 20;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getThreshold() {
			return this.threshold;
		}

		public void setThreshold(int threshold) {
			this.threshold = threshold;
		}

		public int getMinimumHosts() {
			return this.minimumHosts;
		}

		public void setMinimumHosts(int minimumHosts) {
			this.minimumHosts = minimumHosts;
		}

		public int getRequestVolume() {
			return this.requestVolume;
		}

		public void setRequestVolume(int requestVolume) {
			this.requestVolume = requestVolume;
		}

	}

	/**
	 * Success-rate ejection.
	 */
	public static class SuccessRate {

		/**
		 * Whether backends whose success rate is below the fleet's mean by more than stdev-factor standard
		 * deviations are ejected. Off by default: when every backend succeeds almost always, a single failed call
		 * can already put one below that line.
		 */
		private boolean enabled = false;

		/**
		 * How many standard deviations below the mean success rate a backend is ejected.
		 */
		private double stdevFactor = 1.9;

		/**
		 * Fewest backends with enough calls for this check to run at all.
		 */
		private int minimumHosts = 5;

		/**
		 * Fewest calls a backend must have had in one interval to be judged.
		 */
		private int requestVolume = 100;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public double getStdevFactor() {
			return this.stdevFactor;
		}

		public void setStdevFactor(double stdevFactor) {
			this.stdevFactor = stdevFactor;
		}

		public int getMinimumHosts() {
			return this.minimumHosts;
		}

		public void setMinimumHosts(int minimumHosts) {
			this.minimumHosts = minimumHosts;
		}

		public int getRequestVolume() {
			return this.requestVolume;
		}

		public void setRequestVolume(int requestVolume) {
			this.requestVolume = requestVolume;
		}

	}

	/**
	 * Name resolution of "dns:" targets.
	 */
	public static class Resolver {

		/**
		 * "refreshing" (the starter's: polls DNS, keeps the last good answer, honours a DNS server in the target,
		 * SRV) or "grpc" (grpc-java's stock resolver, which resolves again only when a connection breaks).
		 */
		private ResolverType type = ResolverType.REFRESHING;

		/**
		 * How often to ask DNS again; shorter record TTLs win. New pods get calls within about this long.
		 */
		private Duration refreshInterval = Duration.ofSeconds(30);

		/**
		 * Never ask DNS more often than this (TTLs, backoff and the channel's own requests included). At least 100ms.
		 */
		private Duration minRefreshInterval = Duration.ofSeconds(5);

		/**
		 * How long one DNS query may take before it counts as failed (DNS queries with dnsjava only: an explicit DNS
		 * server or SRV).
		 */
		private Duration queryTimeout = Duration.ofSeconds(2);

		/**
		 * Look up SRV records "_grpc._tcp.<host>" (a headless Service's port named "grpc") and take the ports from
		 * them; the target's port may then be left out. A host starting with "_" is looked up as it is.
		 */
		private boolean srv;

		public ResolverType getType() {
			return this.type;
		}

		public void setType(ResolverType type) {
			this.type = type;
		}

		public Duration getRefreshInterval() {
			return this.refreshInterval;
		}

		public void setRefreshInterval(Duration refreshInterval) {
			this.refreshInterval = refreshInterval;
		}

		public Duration getMinRefreshInterval() {
			return this.minRefreshInterval;
		}

		public void setMinRefreshInterval(Duration minRefreshInterval) {
			this.minRefreshInterval = minRefreshInterval;
		}

		public Duration getQueryTimeout() {
			return this.queryTimeout;
		}

		public void setQueryTimeout(Duration queryTimeout) {
			this.queryTimeout = queryTimeout;
		}

		public boolean isSrv() {
			return this.srv;
		}

		public void setSrv(boolean srv) {
			this.srv = srv;
		}

	}

	/**
	 * Endpoint choice of "kubernetes:" targets.
	 */
	public static class Kubernetes {

		/**
		 * Send calls only to ready endpoints in the client's own zone while there are at least
		 * "min-same-zone-endpoints" of them (the EndpointSlice controller's zone hints decide when every endpoint has
		 * them), else to every zone. Needs "zone", or a NODE_NAME environment variable (downward API
		 * spec.nodeName) and permission to get that Node.
		 */
		private boolean preferSameZone;

		/**
		 * The client's zone, e.g. "eu-west-1a". Unset: the "topology.kubernetes.io/zone" label of the Node named by
		 * the NODE_NAME environment variable.
		 */
		private String zone;

		/**
		 * Fewest ready endpoints in the client's zone for "prefer-same-zone" to keep calls there; with fewer,
		 * calls go to every zone.
		 */
		private int minSameZoneEndpoints = 1;

		public boolean isPreferSameZone() {
			return this.preferSameZone;
		}

		public void setPreferSameZone(boolean preferSameZone) {
			this.preferSameZone = preferSameZone;
		}

		public String getZone() {
			return this.zone;
		}

		public void setZone(String zone) {
			this.zone = zone;
		}

		public int getMinSameZoneEndpoints() {
			return this.minSameZoneEndpoints;
		}

		public void setMinSameZoneEndpoints(int minSameZoneEndpoints) {
			this.minSameZoneEndpoints = minSameZoneEndpoints;
		}

	}

	/**
	 * Which resolver "dns:" targets get.
	 */
	public enum ResolverType {

		/**
		 * The starter's refreshing resolver.
		 */
		REFRESHING,

		/**
		 * grpc-java's stock DNS resolver.
		 */
		GRPC

	}

	/**
	 * Retry policy of a client (gRPC service config "retryPolicy").
	 */
	public static class Retry {

		/**
		 * Whether to retry failed calls whose status is one of the retryable status codes.
		 */
		private boolean enabled = true;

		/**
		 * Total number of attempts, the first included (2 to 5).
		 */
		private int maxAttempts = 3;

		/**
		 * Upper bound of the random delay before the first retry.
		 */
		private Duration initialBackoff = Duration.ofMillis(100);

		/**
		 * Upper bound of the delay between any two attempts.
		 */
		private Duration maxBackoff = Duration.ofSeconds(1);

		/**
		 * Factor by which the backoff grows after each attempt.
		 */
		private double backoffMultiplier = 2.0;

		/**
		 * Status codes that cause a retry, by name (for example UNAVAILABLE).
		 */
		private List<String> retryableStatusCodes = new ArrayList<>(List.of("UNAVAILABLE"));

		/**
		 * Retry budget (gRPC retry throttling): when most calls fail, retries stop, so a sick fleet is not sent
		 * several attempts per call.
		 */
		private final Throttling throttling = new Throttling();

		public Throttling getThrottling() {
			return this.throttling;
		}

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getInitialBackoff() {
			return this.initialBackoff;
		}

		public void setInitialBackoff(Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

		public double getBackoffMultiplier() {
			return this.backoffMultiplier;
		}

		public void setBackoffMultiplier(double backoffMultiplier) {
			this.backoffMultiplier = backoffMultiplier;
		}

		public List<String> getRetryableStatusCodes() {
			return this.retryableStatusCodes;
		}

		public void setRetryableStatusCodes(List<String> retryableStatusCodes) {
			this.retryableStatusCodes = retryableStatusCodes;
		}

	}

	/**
	 * Retry budget.
	 */
	public static class Throttling {

		/**
		 * Whether retries (and hedged attempts) are throttled: each failed attempt takes a token, each successful
		 * one gives back token-ratio, and no retry is made while the tokens are at or below half of max-tokens.
		 */
		private boolean enabled = true;

		/**
		 * Size of the token bucket (1 to 1000): how many failures in a row are tolerated before retries stop,
		 * doubled.
		 */
		private int maxTokens = 10;

		/**
		 * Tokens a successful attempt gives back (more than 0, at most 1, three decimals at most). With 1, retries
		 * go on while fewer than half of the attempts fail (a few bad pods are routed around) and stop after about
		 * max-tokens/2 failures in a row when nearly everything fails. gRPC's example value 0.1 stops retrying as
		 * soon as more than 1 attempt in 11 fails, i.e. with one bad pod in five.
		 */
		private double tokenRatio = 1.0;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getMaxTokens() {
			return this.maxTokens;
		}

		public void setMaxTokens(int maxTokens) {
			this.maxTokens = maxTokens;
		}

		public double getTokenRatio() {
			return this.tokenRatio;
		}

		public void setTokenRatio(double tokenRatio) {
			this.tokenRatio = tokenRatio;
		}

	}

	/**
	 * TLS settings, used when negotiation is "tls"; setting them on a plaintext client fails startup.
	 */
	public static class Tls {

		/**
		 * PEM file of the certificate authorities to trust. Unset trusts the JDK's default authorities.
		 */
		private Resource trustCertCollection;

		/**
		 * PEM certificate chain presented to the server for mutual TLS. Set together with private-key.
		 */
		private Resource certificateChain;

		/**
		 * PEM (PKCS#8) private key of the client certificate for mutual TLS. Set together with certificate-chain.
		 */
		private Resource privateKey;

		/**
		 * Host name to expect in the server certificate instead of the one in the target.
		 */
		private String authorityOverride;

		public Resource getTrustCertCollection() {
			return this.trustCertCollection;
		}

		public void setTrustCertCollection(Resource trustCertCollection) {
			this.trustCertCollection = trustCertCollection;
		}

		public Resource getCertificateChain() {
			return this.certificateChain;
		}

		public void setCertificateChain(Resource certificateChain) {
			this.certificateChain = certificateChain;
		}

		public Resource getPrivateKey() {
			return this.privateKey;
		}

		public void setPrivateKey(Resource privateKey) {
			this.privateKey = privateKey;
		}

		public String getAuthorityOverride() {
			return this.authorityOverride;
		}

		public void setAuthorityOverride(String authorityOverride) {
			this.authorityOverride = authorityOverride;
		}

	}

	/**
	 * Transport security of a client's connections.
	 */
	public enum Negotiation {

		/** Unencrypted HTTP/2 (h2c). */
		PLAINTEXT,

		/** HTTP/2 over TLS. */
		TLS

	}

}
