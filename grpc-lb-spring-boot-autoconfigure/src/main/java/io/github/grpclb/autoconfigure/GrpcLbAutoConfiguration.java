package io.github.grpclb.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import io.github.grpclb.channel.DialListener;
import io.github.grpclb.channel.DialPerRequestChannelRegistry;
import io.github.grpclb.channel.GrpcLbChannelBuilderCustomizer;
import io.github.grpclb.channel.GrpcLbChannelFactory;
import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.channel.HealthCheckLogBridge;
import io.github.grpclb.channel.PooledChannelRegistry;
import io.github.grpclb.channel.BalancerViews;
import io.github.grpclb.channel.ResolutionListener;
import io.github.grpclb.client.GrpcLbClientBeanPostProcessor;
import io.github.grpclb.client.GrpcLbClientInjection;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import net.devh.boot.grpc.client.channelfactory.GrpcChannelConfigurer;
import net.devh.boot.grpc.client.config.GrpcChannelsProperties;
import net.devh.boot.grpc.client.stubfactory.StubFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of pooled, load-balanced gRPC client channels and {@code @GrpcLbClient} injection, built on
 * net.devh's gRPC client starter.
 */
@AutoConfiguration(afterName = "net.devh.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration")
@ConditionalOnClass({ ManagedChannel.class, NettyChannelBuilder.class, StubFactory.class })
@ConditionalOnFlag(value = GrpcLbProperties.PREFIX + ".enabled", decides = "the starter is on")
@EnableConfigurationProperties(GrpcLbProperties.class)
public final class GrpcLbAutoConfiguration {

	/** Property that switches between pooled channels and dial-per-request. */
	static final String POOLING_PREFIX = GrpcLbProperties.PREFIX + ".pooling";

	/** The rollback switch. */
	static final String POOLING_FLAG = POOLING_PREFIX + ".enabled";

	private static final String POOLING_DECIDES = "channels are pooled or each call dials its own connection (false "
			+ "is the rollback mode)";

	@Bean
	@ConditionalOnMissingBean
	ClientSettingsResolver grpcLbClientSettings(GrpcLbProperties properties, Environment environment) {
		UnknownKeys.check(environment, properties.isFailOnUnknownKeys());
		return new ClientSettingsResolver(properties, Binder.get(environment));
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	BalancerViews grpcLbBalancerViews() {
		return new BalancerViews();
	}

	@Bean
	@ConditionalOnMissingBean
	GrpcLbChannelFactory grpcLbChannelFactory(ObjectProvider<GrpcChannelConfigurer> configurers,
			ObjectProvider<GrpcLbChannelBuilderCustomizer> customizers,
			ObjectProvider<ResolutionListener> resolutionListeners, BalancerViews views) {
		List<GrpcLbChannelBuilderCustomizer> all = new ArrayList<>();
		// net.devh's configurers apply to our channels too, except ours, which carries our settings to theirs.
		configurers.orderedStream()
			.filter((configurer) -> !(configurer instanceof NetDevhChannelConfigurer))
			.forEach((configurer) -> all.add((client, target, builder) -> configurer.accept(builder, client)));
		customizers.orderedStream().forEach(all::add);
		return new GrpcLbChannelFactory(all, ResolutionListener.of(resolutionListeners.orderedStream().toList()),
				views);
	}

	@Bean
	static GrpcLbClientBeanPostProcessor grpcLbClientBeanPostProcessor() {
		return new GrpcLbClientBeanPostProcessor();
	}

	@Bean
	static GrpcLbClientInjection grpcLbClientInjection() {
		return new GrpcLbClientInjection();
	}

	@Bean
	@ConditionalOnFlag(value = GrpcLbProperties.PREFIX + ".net-devh.enabled",
			decides = "net.devh's @GrpcClient channels get the starter's settings")
	NetDevhChannelConfigurer grpcLbNetDevhChannelConfigurer(ClientSettingsResolver settings,
			ObjectProvider<GrpcChannelsProperties> channels, ObjectProvider<ResolutionListener> resolutionListeners,
			BalancerViews views) {
		return new NetDevhChannelConfigurer(settings, channels,
				ResolutionListener.of(resolutionListeners.orderedStream().toList()), views);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.grpc.protobuf.services.HealthStatusManager")
	static class HealthCheckingConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean
		HealthCheckLogBridge grpcLbHealthCheckLogBridge() {
			return new HealthCheckLogBridge();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnFlag(value = POOLING_FLAG, havingValue = true, decides = POOLING_DECIDES)
	static class PooledChannelsConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean(GrpcLbChannelRegistry.class)
		PooledChannelRegistry grpcLbChannelRegistry(ClientSettingsResolver settings, GrpcLbChannelFactory factory,
				GrpcLbProperties properties) {
			return new PooledChannelRegistry(settings, factory, properties.getShutdownTimeout());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnFlag(value = POOLING_FLAG, havingValue = false, decides = POOLING_DECIDES)
	static class DialPerRequestConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean(GrpcLbChannelRegistry.class)
		DialPerRequestChannelRegistry grpcLbChannelRegistry(ClientSettingsResolver settings,
				GrpcLbChannelFactory factory, GrpcLbProperties properties, ObjectProvider<DialListener> listeners) {
			List<DialListener> all = listeners.orderedStream().toList();
			DialListener listener = (client, target) -> all.forEach((l) -> l.dialed(client, target));
			return new DialPerRequestChannelRegistry(settings, factory, listener, properties.getShutdownTimeout());
		}

	}

}
