package io.github.grpclb.metrics;

import java.net.SocketAddress;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.github.grpclb.channel.BackendAddress;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Records {@value GrpcLbMeters#CALLS} for every attempt of every call of one client, tagged with the backend that
 * actually served it, as seen on the connection (not as resolved). Usage:
 *
 * <pre>{@code
 * Channel channel = ClientInterceptors.intercept(managedChannel, new CallMetricsInterceptor(registry, "orders"));
 * }</pre>
 *
 * <p>
 * Pods come and go with every deploy, so the {@value GrpcLbMeters#TAG_BACKEND} tag must not grow without bound:
 * {@link #retainBackends(Collection)} (called by {@link CallMetrics} whenever the client's resolver answers) removes
 * the series of every backend the resolver no longer returns, as soon as its last attempt has completed; and at
 * most {@code maxBackends} backends get series of their own, attempts on any further backend are recorded under
 * {@value GrpcLbMeters#OTHER_BACKEND}.
 */
public final class CallMetricsInterceptor implements ClientInterceptor {

	/** The cap on backend series per client when none is given. */
	public static final int DEFAULT_MAX_BACKENDS = 100;

	private final MeterRegistry registry;

	private final String clientName;

	private final int maxBackends;

	private final ClientStreamTracer.Factory tracerFactory = new TracerFactory();

	private final Map<String, BackendMeters> backends = new ConcurrentHashMap<>();

	/** The backends the resolver returned last, or {@code null} before it first said. */
	private volatile Set<String> current;

	/**
	 * Create an interceptor with the default cap on backend series.
	 * @param registry where to record
	 * @param clientName value of the {@value GrpcLbMeters#TAG_CLIENT} tag
	 */
	public CallMetricsInterceptor(MeterRegistry registry, String clientName) {
		this(registry, clientName, DEFAULT_MAX_BACKENDS);
	}

	/**
	 * Create an interceptor.
	 * @param registry where to record
	 * @param clientName value of the {@value GrpcLbMeters#TAG_CLIENT} tag
	 * @param maxBackends at most this many backends get series of their own
	 */
	public CallMetricsInterceptor(MeterRegistry registry, String clientName, int maxBackends) {
		this.registry = Objects.requireNonNull(registry, "registry");
		this.clientName = Objects.requireNonNull(clientName, "clientName");
		if (maxBackends < 1) {
			throw new IllegalArgumentException("maxBackends must be at least 1, not " + maxBackends);
		}
		this.maxBackends = maxBackends;
	}

	@Override
	public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions, Channel next) {
		return next.newCall(method, callOptions.withStreamTracerFactory(this.tracerFactory));
	}

	/**
	 * The client's resolver now returns these addresses: series of any other backend go once their attempts in
	 * flight have completed.
	 * @param addresses every address the resolver returns
	 */
	public void retainBackends(Collection<? extends SocketAddress> addresses) {
		Set<String> keep = addresses.stream().map(CallMetricsInterceptor::backendOf).collect(Collectors.toSet());
		this.current = keep;
		for (String backend : this.backends.keySet()) {
			if (!GrpcLbMeters.UNKNOWN_BACKEND.equals(backend) && !GrpcLbMeters.OTHER_BACKEND.equals(backend)) {
				this.backends.computeIfPresent(backend, (key, meters) -> {
					meters.retired = !keep.contains(key);
					return meters.removeIfDone();
				});
			}
		}
	}

	/** Count an attempt in flight on a backend; returns the tag value its series use. */
	private String started(String backend) {
		String tag = backend;
		if (!this.backends.containsKey(backend) && !GrpcLbMeters.UNKNOWN_BACKEND.equals(backend)
				&& this.backends.size() >= this.maxBackends) {
			tag = GrpcLbMeters.OTHER_BACKEND;
		}
		this.backends.compute(tag, (key, meters) -> {
			BackendMeters counted = (meters != null) ? meters : new BackendMeters(key);
			counted.inFlight++;
			return counted;
		});
		return tag;
	}

	private void completed(String tag, Status.Code code, long nanos) {
		this.backends.computeIfPresent(tag, (key, meters) -> {
			meters.timer(code).record(nanos, TimeUnit.NANOSECONDS);
			meters.inFlight--;
			return meters.removeIfDone();
		});
	}

	static String backendOf(SocketAddress address) {
		return (address != null) ? BackendAddress.of(address) : GrpcLbMeters.UNKNOWN_BACKEND;
	}

	/**
	 * The series of one backend, with its attempts in flight. Changed only inside the map's compute methods, one
	 * backend at a time.
	 */
	private final class BackendMeters {

		private final String backend;

		private final Map<Status.Code, Timer> timers = new ConcurrentHashMap<>();

		int inFlight;

		boolean retired;

		BackendMeters(String backend) {
			this.backend = backend;
			Set<String> known = CallMetricsInterceptor.this.current;
			// An attempt on a connection to a pod the resolver has already dropped: record it, then let it go.
			this.retired = known != null && !known.contains(backend) && !GrpcLbMeters.UNKNOWN_BACKEND.equals(backend)
					&& !GrpcLbMeters.OTHER_BACKEND.equals(backend);
		}

		Timer timer(Status.Code code) {
			return this.timers.computeIfAbsent(code, (key) -> Timer.builder(GrpcLbMeters.CALLS)
				.description("gRPC call attempts, by the backend that served them")
				.tag(GrpcLbMeters.TAG_CLIENT, CallMetricsInterceptor.this.clientName)
				.tag(GrpcLbMeters.TAG_BACKEND, this.backend)
				.tag(GrpcLbMeters.TAG_STATUS, key.name())
				.register(CallMetricsInterceptor.this.registry));
		}

		/** @return {@code null} (and its series removed) once retired with nothing in flight, else itself */
		BackendMeters removeIfDone() {
			if (this.retired && this.inFlight <= 0) {
				this.timers.values().forEach(CallMetricsInterceptor.this.registry::remove);
				return null;
			}
			return this;
		}

	}

	private final class TracerFactory extends ClientStreamTracer.Factory {

		@Override
		public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
			return new AttemptTracer();
		}

	}

	private final class AttemptTracer extends ClientStreamTracer {

		private final long startNanos = System.nanoTime();

		private volatile String tag;

		@Override
		public void streamCreated(Attributes transportAttrs, Metadata headers) {
			SocketAddress remote = transportAttrs.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
			this.tag = started((remote != null) ? backendOf(remote) : GrpcLbMeters.UNKNOWN_BACKEND);
		}

		@Override
		public void streamClosed(Status status) {
			String counted = this.tag;
			if (counted == null) {
				// The attempt never got a stream on a connection (e.g. no backend was ready before the deadline).
				counted = started(GrpcLbMeters.UNKNOWN_BACKEND);
			}
			completed(counted, status.getCode(), System.nanoTime() - this.startNanos);
		}

	}

}
