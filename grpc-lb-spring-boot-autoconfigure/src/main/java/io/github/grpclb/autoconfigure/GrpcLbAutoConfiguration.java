package io.github.grpclb.autoconfigure;

import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.EndpointSource;
import io.github.grpclb.channel.GrpcLbChannelBuilderCustomizer;
import io.github.grpclb.channel.ResolutionListener;
import io.github.grpclb.client.GrpcLbClientSupport;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import net.devh.boot.grpc.client.channelfactory.GrpcChannelConfigurer;
import net.devh.boot.grpc.client.config.GrpcChannelsProperties;
import net.devh.boot.grpc.client.inject.StubTransformer;
import net.devh.boot.grpc.client.interceptor.GlobalClientInterceptorRegistry;
import net.devh.boot.grpc.client.stubfactory.StubFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Auto-configuration of pooled, load-balanced gRPC client channels and {@code @GrpcLbClient} injection on Spring
 * Boot 3.5, built on net.devh's gRPC client starter: its stub factories, transformers, global interceptors and
 * channel configurers apply to the starter's channels, and the starter's settings to its {@code @GrpcClient}
 * channels.
 */
@AutoConfiguration(afterName = "net.devh.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration")
@ConditionalOnClass({ ManagedChannel.class, NettyChannelBuilder.class, StubFactory.class })
@ConditionalOnFlag(value = GrpcLbProperties.PREFIX + ".enabled", decides = "the starter is on")
@EnableConfigurationProperties(NetDevhProperties.class)
@Import(GrpcLbClientConfiguration.class)
public final class GrpcLbAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	GrpcLbClientSupport grpcLbClientSupport(ObjectProvider<StubFactory> stubFactories,
			ObjectProvider<StubTransformer> stubTransformers,
			ObjectProvider<GlobalClientInterceptorRegistry> globalInterceptors) {
		return new NetDevhClientSupport(stubFactories, stubTransformers, globalInterceptors);
	}

	/**
	 * net.devh's configurers apply to the starter's channels too (before the starter's own customizers), except the
	 * starter's, which carries its settings to net.devh's channels.
	 */
	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	GrpcLbChannelBuilderCustomizer grpcLbNetDevhConfigurers(ObjectProvider<GrpcChannelConfigurer> configurers) {
		return (client, target, builder) -> configurers.orderedStream()
			.filter((configurer) -> !(configurer instanceof NetDevhChannelConfigurer))
			.forEach((configurer) -> configurer.accept(builder, client));
	}

	@Bean
	@ConditionalOnFlag(value = NetDevhProperties.PREFIX + ".enabled",
			decides = "net.devh's @GrpcClient channels get the starter's settings")
	NetDevhChannelConfigurer grpcLbNetDevhChannelConfigurer(ClientSettingsResolver settings,
			ObjectProvider<GrpcChannelsProperties> channels, ObjectProvider<ResolutionListener> resolutionListeners,
			BalancerViews views, ObjectProvider<EndpointSource> endpoints) {
		return new NetDevhChannelConfigurer(settings, channels,
				ResolutionListener.of(resolutionListeners.orderedStream().toList()), views, endpoints.getIfAvailable());
	}

}
