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
