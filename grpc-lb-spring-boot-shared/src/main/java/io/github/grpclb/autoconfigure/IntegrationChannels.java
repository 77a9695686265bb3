package io.github.grpclb.autoconfigure;

import java.net.URI;
import java.util.Map;

import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.ChannelSettings;
import io.github.grpclb.channel.DefaultDeadlineInterceptor;
import io.github.grpclb.channel.EndpointSource;
import io.github.grpclb.channel.KubernetesNameResolverProvider;
import io.github.grpclb.channel.RefreshingDnsNameResolverProvider;
import io.github.grpclb.channel.ResolutionListener;
import io.github.grpclb.channel.ResolverSettings;
import io.github.grpclb.channel.RetryElsewhereLoadBalancerProvider;
import io.github.grpclb.channel.ServiceConfigs;
import io.github.grpclb.channel.Target;
import io.github.grpclb.channel.UnsentCallReplay;
import io.grpc.ManagedChannelBuilder;

/**
 * The starter's settings for channels that the gRPC integration of a Boot line creates itself (net.devh's
 * {@code @GrpcClient}, Spring gRPC's {@code spring.grpc.client.channel.*}): those of {@code grpc.lb.clients.<name>}
 * when a client of the same name is configured, else {@code grpc.lb.defaults}. The integration keeps the address,
 * keepalive and security; this gives the load-balancing policy, service config, retry, deadline and, for
 * {@code dns:} addresses, the refreshing resolver; {@code kubernetes:} addresses get the EndpointSlice resolver.
 */
final class IntegrationChannels {

	private final ClientSettingsResolver settings;

	private final ResolutionListener resolutionListener;

	private final BalancerViews views;

	private final EndpointSource endpoints;

	IntegrationChannels(ClientSettingsResolver settings, ResolutionListener resolutionListener, BalancerViews views,
			EndpointSource endpoints) {
		this.settings = settings;
		this.resolutionListener = resolutionListener;
		this.views = views;
		this.endpoints = endpoints;
	}

	/**
	 * @param name the channel name
	 * @return the settings of the client of that name, else the defaults
	 */
	ChannelSettings settingsFor(String name) {
		return this.settings.forClientOrDefaults(name);
	}

	/**
	 * The default service config of a channel (policy, retry, health checking, outlier detection), observed by the
	 * balancer view of its name.
	 * @param name the channel name
	 * @param resolved its settings
	 * @return the service config
	 */
	Map<String, ?> serviceConfig(String name, ChannelSettings resolved) {
		return ServiceConfigs.pooled(resolved, this.views.observe(name, resolved));
	}

	/**
	 * Everything but the service config: retry interceptors, the replay of never-sent calls, the default deadline
	 * and, for a {@code dns:} address the starter's resolver accepts, that resolver ({@code kubernetes:}: the
	 * EndpointSlice resolver).
	 * @param builder the channel's builder
	 * @param name the channel name
	 * @param resolved its settings
	 * @param address the channel's address, or {@code null} when unknown
	 */
	@SuppressWarnings("deprecation") // nameResolverFactory is the public way to scope a resolver to one channel
	void customize(ManagedChannelBuilder<?> builder, String name, ChannelSettings resolved, URI address) {
		if (resolved.usesRetries()) {
			builder.enableRetry();
			builder.intercept(RetryElsewhereLoadBalancerProvider.interceptor());
		}
		builder.intercept(UnsentCallReplay.interceptor());
		if (resolved.deadline() != null) {
			builder.intercept(new DefaultDeadlineInterceptor(resolved));
		}
		if (address != null && KubernetesNameResolverProvider.SCHEME.equalsIgnoreCase(address.getScheme())
				&& this.endpoints != null) {
			try {
				Target.parse(address.toString(), false);
			}
			catch (IllegalArgumentException ex) {
				return;
			}
			builder.nameResolverFactory(new KubernetesNameResolverProvider(name, resolved.resolver(),
					this.resolutionListener, this.endpoints));
			return;
		}
		if (address != null && "dns".equalsIgnoreCase(address.getScheme())
				&& resolved.resolver().type() == ResolverSettings.Type.REFRESHING) {
			try {
				Target.parse(address.toString(), resolved.resolver().srv());
			}
			catch (IllegalArgumentException ex) {
				// An address our resolver cannot take stays with grpc-java's, which reports it as before.
				return;
			}
			builder.nameResolverFactory(
					new RefreshingDnsNameResolverProvider(name, resolved.resolver(), this.resolutionListener));
		}
	}

}
