package io.github.grpclb.channel;

import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.ClientStreamTracer;
import io.grpc.LoadBalancer;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.util.ForwardingClientStreamTracer;

/**
 * Keeps an exception thrown by a policy's stream tracer from reaching grpc-java, where it leaves the call without
 * an end: the caller waits forever, deadline or not (grpc/grpc-java#7373). grpc-java 1.85's outlier detection throws
 * such an exception when an address update races with a call: its picker reads the backend's tracker from the
 * subchannel's attributes while the update replaces them, and counts the call's result on {@code null}
 * ({@code NullPointerException} in {@code ResultCountingClientStreamTracerFactory}). Measured in the 10-minute soak
 * of rolling updates ({@code benchmarks/run.sh soak}): 0–3 calls per run hung or failed {@code UNKNOWN} right after a
 * changed DNS answer; none with outlier detection off. Only that one call's result goes uncounted.
 */
final class GuardedTracers {

	private static final Logger logger = LoggerFactory.getLogger(GuardedTracers.class);

	private static final AtomicBoolean logged = new AtomicBoolean();

	private GuardedTracers() {
	}

	/**
	 * @param picker a policy's picker
	 * @return a picker whose results' stream tracers never throw
	 */
	static LoadBalancer.SubchannelPicker picker(LoadBalancer.SubchannelPicker picker) {
		return new LoadBalancer.SubchannelPicker() {
			@Override
			public LoadBalancer.PickResult pickSubchannel(LoadBalancer.PickSubchannelArgs args) {
				LoadBalancer.PickResult result = picker.pickSubchannel(args);
				ClientStreamTracer.Factory factory = result.getStreamTracerFactory();
				return (factory != null) ? result.copyWithStreamTracerFactory(new Factory(factory)) : result;
			}

			@Override
			public String toString() {
				return "GuardedTracers(" + picker + ")";
			}
		};
	}

	static void swallowed(RuntimeException ex) {
		if (logged.compareAndSet(false, true)) {
			logger.debug("A load-balancing policy's stream tracer failed; the call goes on (logged once)", ex);
		}
	}

	static final class Factory extends ClientStreamTracer.Factory {

		private final ClientStreamTracer.Factory delegate;

		Factory(ClientStreamTracer.Factory delegate) {
			this.delegate = delegate;
		}

		@Override
		public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
			ClientStreamTracer tracer;
			try {
				tracer = this.delegate.newClientStreamTracer(info, headers);
			}
			catch (RuntimeException ex) {
				swallowed(ex);
				return new ClientStreamTracer() {
				};
			}
			return new Tracer(tracer);
		}

	}

	/** Forwards every event; an exception from the delegate stops there. */
	private static final class Tracer extends ForwardingClientStreamTracer {

		private final ClientStreamTracer delegate;

		Tracer(ClientStreamTracer delegate) {
			this.delegate = delegate;
		}

		@Override
		protected ClientStreamTracer delegate() {
			return this.delegate;
		}

		@Override
		public void streamClosed(Status status) {
			try {
				super.streamClosed(status);
			}
			catch (RuntimeException ex) {
				swallowed(ex);
			}
		}

		@Override
		public void streamCreated(io.grpc.Attributes transportAttrs, Metadata headers) {
			try {
				super.streamCreated(transportAttrs, headers);
			}
			catch (RuntimeException ex) {
				swallowed(ex);
			}
		}

		@Override
		public void inboundTrailers(Metadata trailers) {
			try {
				super.inboundTrailers(trailers);
			}
			catch (RuntimeException ex) {
				swallowed(ex);
			}
		}

	}

}
