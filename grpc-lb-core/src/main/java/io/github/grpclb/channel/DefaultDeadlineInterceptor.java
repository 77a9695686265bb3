package io.github.grpclb.channel;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

/**
 * A client's default deadline, for unary calls only: a server-streaming, client-streaming or bidirectional call can
 * legitimately live for hours, and a client-wide default must never cut it (a "methods" entry with a deadline
 * does, for its own methods, through the service config). A deadline the caller set on the stub always wins, as do
 * methods with a deadline of their own.
 */
public final class DefaultDeadlineInterceptor implements ClientInterceptor {

	private final ChannelSettings settings;

	private final long deadlineNanos;

	/**
	 * Create the interceptor of a client.
	 * @param settings the client's settings, with a deadline
	 */
	public DefaultDeadlineInterceptor(ChannelSettings settings) {
		this.settings = Objects.requireNonNull(settings, "settings");
		Duration deadline = Objects.requireNonNull(settings.deadline(), "settings.deadline()");
		this.deadlineNanos = deadline.toNanos();
	}

	@Override
	public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions, Channel next) {
		if (method.getType() == MethodDescriptor.MethodType.UNARY && callOptions.getDeadline() == null
				&& !this.settings.hasMethodDeadline(method.getFullMethodName())) {
			return next.newCall(method, callOptions.withDeadlineAfter(this.deadlineNanos, TimeUnit.NANOSECONDS));
		}
		return next.newCall(method, callOptions);
	}

}
