package io.github.grpclb.autoconfigure;

import java.net.URI;

import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.ChannelSettings;
import io.github.grpclb.channel.DefaultDeadlineInterceptor;
import io.github.grpclb.channel.RefreshingDnsNameResolverProvider;
import io.github.grpclb.channel.ResolutionListener;
import io.github.grpclb.channel.RetryElsewhereLoadBalancerProvider;
import io.github.grpclb.channel.ResolverSettings;
import io.github.grpclb.channel.ServiceConfigs;
import io.github.grpclb.channel.Target;
import io.github.grpclb.channel.UnsentCallReplay;
import io.grpc.ManagedChannelBuilder;
import net.devh.boot.grpc.client.channelfactory.GrpcChannelConfigurer;
import net.devh.boot.grpc.client.config.GrpcChannelsProperties;

import org.springframework.beans.factory.ObjectProvider;

/**
 * Gives channels created by net.devh's own {@code @GrpcClient} this starter's load-balancing policy, retry
 * policy, deadline and, for {@code dns:} addresses, its refreshing resolver: those of
 * {@code grpc.lb.clients.<name>} when a client of the same name is configured, else {@code grpc.lb.defaults}.
 * The address, keepalive and security stay as net.devh configures them.
 */
final class NetDevhChannelConfigurer implements GrpcChannelConfigurer {

	private final ClientSettingsResolver settings;

	private final ObjectProvider<GrpcChannelsProperties> channels;

	private final ResolutionListener resolutionListener;

	private final BalancerViews views;

	NetDevhChannelConfigurer(ClientSettingsResolver settings, ObjectProvider<GrpcChannelsProperties> channels,
			ResolutionListener resolutionListener, BalancerViews views) {
		this.settings = settings;
		this.channels = channels;
		this.resolutionListener = resolutionListener;
		this.views = views;
	}

	@Override
	@SuppressWarnings("deprecation") // nameResolverFactory is the public way to scope a resolver to one channel
	public void accept(ManagedChannelBuilder<?> builder, String name) {
		ChannelSettings resolved = this.settings.forClientOrDefaults(name);
		builder.defaultServiceConfig(ServiceConfigs.pooled(resolved, this.views.observe(name, resolved)));
		if (resolved.usesRetries()) {
			builder.enableRetry();
			builder.intercept(RetryElsewhereLoadBalancerProvider.interceptor());
		}
		builder.intercept(UnsentCallReplay.interceptor());
		if (resolved.deadline() != null) {
			builder.intercept(new DefaultDeadlineInterceptor(resolved));
		}
		URI address = address(name);
		if (address != null && "dns".equalsIgnoreCase(address.getScheme())
				&& resolved.resolver().type() == ResolverSettings.Type.REFRESHING) {
			try {
				Target.parse(address.toString(), resolved.resolver().srv());
			}
			catch (IllegalArgumentException ex) {
				// An address our resolver cannot take stays with grpc-java's, which reports it as before.
				return;
			}
			builder.nameResolverFactory(new RefreshingDnsNameResolverProvider(name, resolved.resolver(), this.resolutionListener));
		}
	}

	private URI address(String name) {
		GrpcChannelsProperties properties = this.channels.getIfAvailable();
		return (properties != null) ? properties.getChannel(name).getAddress() : null;
	}

}
