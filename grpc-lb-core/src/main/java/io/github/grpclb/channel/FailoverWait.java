package io.github.grpclb.channel;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.internal.GrpcUtil;
import io.grpc.internal.SharedResourceHolder;

/**
 * Lets a call wait, a bounded time, for a backend when the channel has just lost its last working connection —
 * typically a blue/green switch or a rollout where every old pod went away and the replacements, already in DNS,
 * are being resolved and connected — instead of failing at once. Calls made while the channel works, or long
 * after it stopped working (a fleet that is really down), or on a channel that never had a connection (nothing
 * to fail over to), are left alone and fail fast as usual. A call that finds no backend within the wait fails
 * with UNAVAILABLE.
 */
final class FailoverWait implements ClientInterceptor {

	private final String clientName;

	private final long waitNanos;

	private volatile ConnectionWatch watch;

	FailoverWait(String clientName, java.time.Duration wait) {
		this.clientName = clientName;
		this.waitNanos = wait.toNanos();
	}

	/** Start following the channel (set once it is built). */
	void watching(ConnectionWatch watch) {
		this.watch = watch;
	}

	@Override
	public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
			CallOptions callOptions, Channel next) {
		ConnectionWatch current = this.watch;
		long lost = (current != null) ? current.nanosSinceLost() : -1;
		if (callOptions.isWaitForReady() || lost < 0 || lost >= this.waitNanos) {
			return next.newCall(method, callOptions);
		}
		Started started = new Started();
		ClientCall<ReqT, RespT> call = next.newCall(method,
				callOptions.withWaitForReady().withStreamTracerFactory(started));
		return new Bounded<>(call, started, this.waitNanos - lost);
	}

	/** Notes that the call got a stream on a connection. */
	private static final class Started extends ClientStreamTracer.Factory {

		volatile boolean streamCreated;

		@Override
		public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
			return new ClientStreamTracer() {
				@Override
				public void streamCreated(io.grpc.Attributes transportAttrs, Metadata headers) {
					Started.this.streamCreated = true;
				}
			};
		}

	}

	/** Ends the wait with UNAVAILABLE when no stream was created in time. */
	private final class Bounded<ReqT, RespT> extends ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT> {

		private final Started started;

		private final long waitNanos;

		private volatile boolean timedOut;

		Bounded(ClientCall<ReqT, RespT> delegate, Started started, long waitNanos) {
			super(delegate);
			this.started = started;
			this.waitNanos = waitNanos;
		}

		@Override
		public void start(Listener<RespT> responseListener, Metadata headers) {
			ScheduledExecutorService timer = SharedResourceHolder.get(GrpcUtil.TIMER_SERVICE);
			ScheduledFuture<?> check = timer.schedule(() -> {
				if (!this.started.streamCreated) {
					this.timedOut = true;
					delegate().cancel("no backend ready", null);
				}
			}, this.waitNanos, TimeUnit.NANOSECONDS);
			super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(responseListener) {
				@Override
				public void onClose(Status status, Metadata trailers) {
					check.cancel(false);
					SharedResourceHolder.release(GrpcUtil.TIMER_SERVICE, timer);
					if (Bounded.this.timedOut && status.getCode() == Status.Code.CANCELLED) {
						status = Status.UNAVAILABLE.withDescription("gRPC client '" + FailoverWait.this.clientName
								+ "' lost its last working connection and no backend became ready within "
								+ java.time.Duration.ofNanos(FailoverWait.this.waitNanos));
					}
					super.onClose(status, trailers);
				}
			}, headers);
		}

	}

}
