package io.github.grpclb.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.util.ForwardingLoadBalancer;
import io.grpc.util.ForwardingLoadBalancerHelper;
import io.grpc.util.GracefulSwitchLoadBalancer;

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
 */
public final class RetryElsewhereLoadBalancerProvider extends LoadBalancerProvider {

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

	@Override
	public boolean isAvailable() {
		return true;
	}

	@Override
	public int getPriority() {
		return 5;
	}

	@Override
	public String getPolicyName() {
		return POLICY;
	}

	@Override
	public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
		return new RetryElsewhereLoadBalancer(helper);
	}

	@Override
	public NameResolver.ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
		Object child = rawConfig.get("childPolicy");
		if (!(child instanceof List<?> list) || list.isEmpty()) {
			return NameResolver.ConfigOrError
				.fromError(Status.UNAVAILABLE.withDescription(POLICY + " needs a childPolicy list"));
		}
		@SuppressWarnings("unchecked")
		List<Map<String, ?>> childPolicies = (List<Map<String, ?>>) list;
		NameResolver.ConfigOrError parsed = GracefulSwitchLoadBalancer.parseLoadBalancingPolicyConfig(childPolicies);
		if (parsed.getError() != null) {
			return parsed;
		}
		return NameResolver.ConfigOrError.fromConfig(new Config(parsed.getConfig()));
	}

	private record Config(Object child) {
	}

	private static final class RetryElsewhereLoadBalancer extends ForwardingLoadBalancer {

		private final GracefulSwitchLoadBalancer child;

		RetryElsewhereLoadBalancer(LoadBalancer.Helper helper) {
			this.child = new GracefulSwitchLoadBalancer(new ForwardingLoadBalancerHelper() {
				@Override
				protected LoadBalancer.Helper delegate() {
					return helper;
				}

				@Override
				public void updateBalancingState(ConnectivityState state, LoadBalancer.SubchannelPicker picker) {
					helper.updateBalancingState(state, new AvoidingPicker(picker));
				}
			});
		}

		@Override
		protected LoadBalancer delegate() {
			return this.child;
		}

		@Override
		public Status acceptResolvedAddresses(LoadBalancer.ResolvedAddresses resolvedAddresses) {
			return this.child.acceptResolvedAddresses(childAddresses(resolvedAddresses));
		}

		@Override
		@SuppressWarnings("deprecation")
		public void handleResolvedAddresses(LoadBalancer.ResolvedAddresses resolvedAddresses) {
			this.child.handleResolvedAddresses(childAddresses(resolvedAddresses));
		}

		private static LoadBalancer.ResolvedAddresses childAddresses(LoadBalancer.ResolvedAddresses addresses) {
			Config config = (Config) addresses.getLoadBalancingPolicyConfig();
			return addresses.toBuilder().setLoadBalancingPolicyConfig(config.child()).build();
		}

	}

	private static final class AvoidingPicker extends LoadBalancer.SubchannelPicker {

		private final LoadBalancer.SubchannelPicker delegate;

		AvoidingPicker(LoadBalancer.SubchannelPicker delegate) {
			this.delegate = delegate;
		}

		@Override
		public LoadBalancer.PickResult pickSubchannel(LoadBalancer.PickSubchannelArgs args) {
			LoadBalancer.PickResult result = this.delegate.pickSubchannel(args);
			Picked picked = args.getCallOptions().getOption(PICKED);
			if (picked == null || result.getSubchannel() == null) {
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
