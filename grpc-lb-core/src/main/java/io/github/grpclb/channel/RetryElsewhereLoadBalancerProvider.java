package io.github.grpclb.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.LoadBalancer;
import io.grpc.MethodDescriptor;
import io.grpc.SynchronizationContext;

/**
 * The {@value #POLICY} load-balancing policy: whatever child policy it wraps picks as usual, except that a retry or
 * hedge of a call is not sent to a backend an earlier attempt of that same call went to, as long as the child offers
 * another. grpc-java's own retries go back through the picker, and with five pods and one failing, a call's three
 * attempts could otherwise all land on the failing one; a hedge sent to the pod that is already slow on the call
 * would be wasted.
 * <p>
 * The starter's pooled channels get it around their policy whenever they retry or hedge, together with
 * {@link #interceptor()}, which gives each call the memory of where its attempts went. Registered with grpc-java
 * through {@code META-INF/services} like grpc-java's own policies; it keeps no state of its own. The memory is kept
 * by the picker, so calls pay for no stream tracer.
 * <p>
 * A retry or hedge also waits for a backend, for up to {@link GrpcLbChannelFactory#FAILOVER_WAIT} after the balancer
 * lost its last working connection, instead of failing at once: when every old pod stops together (a blue/green
 * switch, a rollout that replaces them all), a call whose attempt was cut on one would otherwise spend its remaining
 * attempts in the moment before the new pods are connected. New calls get the same grace from
 * {@link FailoverWait}; a channel that never had a working connection still fails fast.
 */
public final class RetryElsewhereLoadBalancerProvider extends ParentPolicyProvider {

	/** The policy name, as it appears in a service config. */
	public static final String POLICY = "grpc_lb_retry_elsewhere";

	/** How many more picks a retry gets to find a backend its call has not been sent to. */
	private static final int MAX_REPICKS = 8;

	private static final CallOptions.Key<Picked> PICKED = CallOptions.Key.create("grpc-lb.picked");

	private static final ClientInterceptor INTERCEPTOR = new MemoryInterceptor();

	/**
	 * The interceptor that makes each call remember the backends its attempts went to.
	 * @return the interceptor (stateless; one per channel or shared)
	 */
	public static ClientInterceptor interceptor() {
		return INTERCEPTOR;
	}

	/** Made by grpc-java's policy registry. */
	public RetryElsewhereLoadBalancerProvider() {
		super(POLICY);
	}

	@Override
	public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
		return new RetryElsewhereLoadBalancer(helper);
	}

	private static final class RetryElsewhereLoadBalancer extends ParentLoadBalancer {

		private static final long HOLD_NANOS = GrpcLbChannelFactory.FAILOVER_WAIT.toNanos();

		private final LoadBalancer.Helper helper;

		private ConnectivityState lastState;

		/** When the child stopped being READY after having been READY; 0 while READY or before it ever was. */
		private long lostAtNanos;

		private SynchronizationContext.ScheduledHandle holdEnd;

		RetryElsewhereLoadBalancer(LoadBalancer.Helper helper) {
			super(helper);
			this.helper = helper;
		}

		@Override
		LoadBalancer.SubchannelPicker picker(ConnectivityState state, LoadBalancer.SubchannelPicker picker) {
			long now = System.nanoTime();
			if (state == ConnectivityState.READY) {
				this.lostAtNanos = 0;
			}
			else if (this.lastState == ConnectivityState.READY) {
				this.lostAtNanos = now;
			}
			this.lastState = state;
			if (this.holdEnd != null) {
				this.holdEnd.cancel();
				this.holdEnd = null;
			}
			long holdUntil = (this.lostAtNanos != 0) ? this.lostAtNanos + HOLD_NANOS : 0;
			if (holdUntil != 0 && holdUntil - now > 0) {
				// Retries waiting in this picker are picked again when the next one comes; if none comes before the
				// hold ends, the same child picker without the hold lets them fail as they would have.
				this.holdEnd = this.helper.getSynchronizationContext().schedule(() -> {
					this.holdEnd = null;
					this.helper.updateBalancingState(state, new AvoidingPicker(picker, 0));
				}, holdUntil - now, TimeUnit.NANOSECONDS, this.helper.getScheduledExecutorService());
			}
			return new AvoidingPicker(picker, holdUntil);
		}

		@Override
		public void shutdown() {
			if (this.holdEnd != null) {
				this.holdEnd.cancel();
				this.holdEnd = null;
			}
			super.shutdown();
		}

	}

	private static final class AvoidingPicker extends LoadBalancer.SubchannelPicker {

		private final LoadBalancer.SubchannelPicker delegate;

		/** Until when (System.nanoTime) a retry that finds no backend waits for one; 0 for not at all. */
		private final long holdUntilNanos;

		AvoidingPicker(LoadBalancer.SubchannelPicker delegate, long holdUntilNanos) {
			this.delegate = delegate;
			this.holdUntilNanos = holdUntilNanos;
		}

		@Override
		public LoadBalancer.PickResult pickSubchannel(LoadBalancer.PickSubchannelArgs args) {
			LoadBalancer.PickResult result = this.delegate.pickSubchannel(args);
			Picked picked = args.getCallOptions().getOption(PICKED);
			if (picked == null) {
				return result;
			}
			if (result.getSubchannel() == null) {
				// No backend can take it now. A later attempt of a call (a retry or hedge: an earlier one was picked)
				// waits while a failover may still bring one, as a new call waits in FailoverWait.
				boolean failing = !result.getStatus().isOk() && !result.isDrop();
				if (failing && picked.any() && this.holdUntilNanos != 0 && this.holdUntilNanos - System.nanoTime() > 0) {
					return LoadBalancer.PickResult.withNoResult();
				}
				return result;
			}
			for (int i = 0; i < MAX_REPICKS && picked.contains(result.getSubchannel()); i++) {
				LoadBalancer.PickResult next = this.delegate.pickSubchannel(args);
				if (next.getSubchannel() == null) {
					break;
				}
				result = next;
			}
			picked.add(result.getSubchannel());
			return result;
		}

	}

	/**
	 * The subchannels a call's attempts were given so far (each attempt picks once it can be sent, a transparent
	 * retry too). Most calls make one attempt: no collection is made for it.
	 */
	private static final class Picked {

		private LoadBalancer.Subchannel first;

		private List<LoadBalancer.Subchannel> more;

		synchronized boolean any() {
			return this.first != null;
		}

		synchronized boolean contains(LoadBalancer.Subchannel subchannel) {
			return subchannel == this.first || (this.more != null && this.more.contains(subchannel));
		}

		synchronized void add(LoadBalancer.Subchannel subchannel) {
			if (this.first == null) {
				this.first = subchannel;
			}
			else if (subchannel != this.first) {
				if (this.more == null) {
					this.more = new ArrayList<>(2);
				}
				this.more.add(subchannel);
			}
		}

	}

	/** Gives each call its memory of the backends its attempts went to. */
	private static final class MemoryInterceptor implements ClientInterceptor {

		@Override
		public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
				CallOptions callOptions, Channel next) {
			return next.newCall(method, callOptions.withOption(PICKED, new Picked()));
		}

	}

}
