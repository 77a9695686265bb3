package io.github.grpclb.metrics;

/**
 * Names of the starter's meters and of their tags.
 *
 * <ul>
 * <li>{@value #CHANNELS} (gauge): open client channels (pooled channels, or in dial-per-request mode the
 * single-call channels in flight).</li>
 * <li>{@value #CALLS} (timer, tags {@value #TAG_CLIENT}, {@value #TAG_BACKEND}, {@value #TAG_STATUS}): one sample
 * per call attempt, a retry being a new attempt; {@value #TAG_BACKEND} is the {@code ip:port} of the server that
 * served the attempt ({@value #UNKNOWN_BACKEND} when no connection was used, {@value #OTHER_BACKEND} beyond the
 * cap on backend series per client). The series of a backend the client's resolver no longer returns are removed
 * once its last attempt has completed.</li>
 * <li>{@value #DIALS} (counter, tags {@value #TAG_CLIENT}, {@value #TAG_TARGET}): connections dialed in
 * dial-per-request mode.</li>
 * <li>{@value #RESOLUTIONS} (counter, tags {@value #TAG_CLIENT}, {@value #TAG_RESULT} = {@code success} or
 * {@code failure}): lookups of the starter's resolvers (DNS and static lists).</li>
 * <li>{@value #RESOLVER_ADDRESSES} (gauge, tag {@value #TAG_CLIENT}): addresses of the resolver's current answer.</li>
 * <li>{@value #RESOLVER_AGE} (gauge, seconds, tag {@value #TAG_CLIENT}): time since the resolver last answered;
 * grows past the refresh interval while lookups fail.</li>
 * <li>{@value #CONNECTIONS} (gauge, tags {@value #TAG_CLIENT}, {@value #TAG_STATE}): the balancer's backends by
 * connection state ({@code idle}, {@code connecting}, {@code ready}, {@code transient_failure}).</li>
 * <li>{@value #USABLE_BACKENDS} (gauge, tag {@value #TAG_CLIENT}): backends that can take calls now (connected,
 * not ejected, healthy or not health-checked); 0 means every call fails.</li>
 * <li>{@value #ZONE_BACKENDS} (gauge, tags {@value #TAG_CLIENT}, {@value #TAG_ZONE}): usable backends by the zone
 * they run in ({@code kubernetes:} targets only; with {@code prefer-same-zone} the split shows whether calls stay in
 * the client's zone).</li>
 * <li>{@value #EJECTED_BACKENDS} (gauge) and {@value #EJECTIONS} (counter), tag {@value #TAG_CLIENT}: backends
 * outlier detection keeps out now, and ejections so far.</li>
 * <li>{@value #HEALTH_TRANSITIONS} (counter, tags {@value #TAG_CLIENT}, {@value #TAG_STATUS}): health check results
 * that changed a backend's health ({@code serving}, {@code not_serving}, {@code service_unknown}, {@code unknown},
 * {@code error}, {@code not_supported}).</li>
 * </ul>
 */
public final class GrpcLbMeters {

	/** Gauge of open client channels. */
	public static final String CHANNELS = "grpc.lb.channels";

	/** Timer of call attempts. */
	public static final String CALLS = "grpc.lb.calls";

	/** Counter of dials in dial-per-request mode. */
	public static final String DIALS = "grpc.lb.dials";

	/** Counter of resolver lookups. */
	public static final String RESOLUTIONS = "grpc.lb.resolutions";

	/** Gauge of the addresses in the resolver's current answer. */
	public static final String RESOLVER_ADDRESSES = "grpc.lb.resolver.addresses";

	/** Gauge of the seconds since the resolver last answered. */
	public static final String RESOLVER_AGE = "grpc.lb.resolver.age";

	/** Gauge of backends by connection state. */
	public static final String CONNECTIONS = "grpc.lb.connections";

	/** Gauge of backends that can take calls. */
	public static final String USABLE_BACKENDS = "grpc.lb.backends.usable";

	/** Gauge of backends ejected now. */
	public static final String EJECTED_BACKENDS = "grpc.lb.backends.ejected";

	/** Gauge of usable backends by zone. */
	public static final String ZONE_BACKENDS = "grpc.lb.backends.zone";

	/** Tag: a zone. */
	public static final String TAG_ZONE = "zone";

	/** Counter of ejections. */
	public static final String EJECTIONS = "grpc.lb.ejections";

	/** Counter of health transitions. */
	public static final String HEALTH_TRANSITIONS = "grpc.lb.health.transitions";

	/** Tag: a connection state. */
	public static final String TAG_STATE = "state";

	/** Tag: the client name. */
	public static final String TAG_CLIENT = "client";

	/** Tag: {@code ip:port} of the server that served the attempt. */
	public static final String TAG_BACKEND = "backend";

	/** Tag: the gRPC status code name of the attempt. */
	public static final String TAG_STATUS = "status";

	/** Tag: the channel target. */
	public static final String TAG_TARGET = "target";

	/** Tag: {@code success} or {@code failure} of a lookup. */
	public static final String TAG_RESULT = "result";

	/** Backend tag value of attempts on backends beyond the cap on backend series per client. */
	public static final String OTHER_BACKEND = "other";

	/** Backend tag value of an attempt that never reached a server. */
	public static final String UNKNOWN_BACKEND = "none";

	private GrpcLbMeters() {
	}

}
