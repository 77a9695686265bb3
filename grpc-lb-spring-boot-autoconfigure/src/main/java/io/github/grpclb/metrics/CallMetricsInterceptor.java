package io.github.grpclb.metrics;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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
 */
public final class CallMetricsInterceptor implements ClientInterceptor {

	private final MeterRegistry registry;

	private final String clientName;

	private final ClientStreamTracer.Factory tracerFactory = new TracerFactory();

	private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

	/**
	 * Create an interceptor.
	 * @param registry where to record
	 * @param clientName value of the {@value GrpcLbMeters#TAG_CLIENT} tag
	 */
	public CallMetricsInterceptor(MeterRegistry registry, String clientName) {
		this.registry = Objects.requireNonNull(registry, "registry");
		this.clientName = Objects.requireNonNull(clientName, "clientName");
	}

	@Override
	public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions, Channel next) {
		return next.newCall(method, callOptions.withStreamTracerFactory(this.tracerFactory));
	}

	private Timer timer(String backend, Status.Code code) {
		return this.timers.computeIfAbsent(new TimerKey(backend, code), (key) -> Timer.builder(GrpcLbMeters.CALLS)
			.description("gRPC call attempts, by the backend that served them")
			.tag(GrpcLbMeters.TAG_CLIENT, this.clientName)
			.tag(GrpcLbMeters.TAG_BACKEND, key.backend())
			.tag(GrpcLbMeters.TAG_STATUS, key.code().name())
			.register(this.registry));
	}

	static String backendOf(SocketAddress address) {
		if (address instanceof InetSocketAddress inet) {
			String host = (inet.getAddress() != null) ? inet.getAddress().getHostAddress() : inet.getHostString();
			if (host.indexOf(':') >= 0) {
				host = "[" + host + "]";
			}
			return host + ":" + inet.getPort();
		}
		return (address != null) ? address.toString() : GrpcLbMeters.UNKNOWN_BACKEND;
	}

	private record TimerKey(String backend, Status.Code code) {
	}

	private final class TracerFactory extends ClientStreamTracer.Factory {

		@Override
		public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
			return new AttemptTracer();
		}

	}

	private final class AttemptTracer extends ClientStreamTracer {

		private final long startNanos = System.nanoTime();

		private volatile String backend = GrpcLbMeters.UNKNOWN_BACKEND;

		@Override
		public void streamCreated(Attributes transportAttrs, Metadata headers) {
			SocketAddress remote = transportAttrs.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
			if (remote != null) {
				this.backend = backendOf(remote);
			}
		}

		@Override
		public void streamClosed(Status status) {
			timer(this.backend, status.getCode()).record(System.nanoTime() - this.startNanos, TimeUnit.NANOSECONDS);
		}

	}

}
