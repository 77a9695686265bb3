package io.github.grpclb.autoconfigure;

import java.util.Set;

import io.github.grpclb.channel.ChannelSettings;
import io.github.grpclb.channel.DialPerRequestChannelRegistry;
import io.github.grpclb.channel.GrpcLbChannelFactory;
import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.channel.PooledChannelRegistry;
import io.github.grpclb.client.GrpcLbClientBeanPostProcessor;
import io.github.grpclb.metrics.ChannelMetrics;
import io.github.grpclb.metrics.DialMetrics;
import io.github.grpclb.test.TestContexts;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the auto-configuration contributes, when it backs off, and that user beans win.
 */
class GrpcLbAutoConfigurationTests {

	private final ApplicationContextRunner runner = TestContexts.runner()
		.withPropertyValues("grpc.lb.clients.orders.target=orders.test:9090");

	@Test
	void whenNothingIsSetThenPooledChannelsAndInjectionAreConfigured() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(PooledChannelRegistry.class);
			assertThat(context).hasSingleBean(ClientSettingsResolver.class);
			assertThat(context).hasSingleBean(GrpcLbChannelFactory.class);
			assertThat(context).hasSingleBean(GrpcLbClientBeanPostProcessor.class);
			assertThat(context).hasBean(TestContexts.INTEGRATION_BEAN);
			assertThat(context.getBean(ClientSettingsResolver.class).forClient("orders").target())
				.isEqualTo("dns:///orders.test:9090");
		});
	}

	@Test
	void whenTheContextStartsThenNoChannelIsCreatedUntilFirstUse() {
		// The host does not resolve: starting must not resolve or dial anything.
		this.runner.withPropertyValues("grpc.lb.clients.orders.target=no-such-host.invalid:9090").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(GrpcLbChannelRegistry.class).openChannels()).isZero();
		});
	}

	@Test
	void whenStarterIsDisabledThenItBacksOff() {
		this.runner.withPropertyValues("grpc.lb.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(GrpcLbChannelRegistry.class);
			assertThat(context).doesNotHaveBean(GrpcLbClientBeanPostProcessor.class);
			assertThat(context).doesNotHaveBean(ClientSettingsResolver.class);
		});
	}

	@Test
	void whenPoolingIsDisabledThenTheRegistryDialsPerRequest() {
		this.runner.withPropertyValues("grpc.lb.pooling.enabled=false").run((context) -> {
			assertThat(context).hasSingleBean(GrpcLbChannelRegistry.class);
			assertThat(context).hasSingleBean(DialPerRequestChannelRegistry.class);
			assertThat(context.getBean(GrpcLbChannelRegistry.class).isDialPerRequest()).isTrue();
		});
	}

	@Test
	void whenPoolingIsEnabledExplicitlyThenChannelsArePooled() {
		this.runner.withPropertyValues("grpc.lb.pooling.enabled=true")
			.run((context) -> assertThat(context).hasSingleBean(PooledChannelRegistry.class));
	}

	@Test
	void whenTheUserDefinesARegistryThenItWins() {
		GrpcLbChannelRegistry custom = new GrpcLbChannelRegistry() {
			@Override
			public ManagedChannel channel(String clientName) {
				throw new UnsupportedOperationException();
			}

			@Override
			public int openChannels() {
				return 0;
			}

			@Override
			public Set<String> targets() {
				return Set.of();
			}

			@Override
			public boolean isDialPerRequest() {
				return false;
			}
		};
		this.runner.withBean(GrpcLbChannelRegistry.class, () -> custom).run((context) -> {
			assertThat(context).hasSingleBean(GrpcLbChannelRegistry.class);
			assertThat(context.getBean(GrpcLbChannelRegistry.class)).isSameAs(custom);
		});
	}

	@Test
	void whenTheUserDefinesAChannelFactoryThenItWins() {
		GrpcLbChannelFactory custom = new GrpcLbChannelFactory(java.util.List.of());
		this.runner.withBean(GrpcLbChannelFactory.class, () -> custom)
			.run((context) -> assertThat(context.getBean(GrpcLbChannelFactory.class)).isSameAs(custom));
	}

	@Test
	void whenTheGrpcIntegrationIsMissingThenItBacksOff() {
		// net.devh's client starter on Boot 3.5, Spring gRPC on Boot 4.
		this.runner.withClassLoader(new FilteredClassLoader(TestContexts.INTEGRATION_CLASS))
			.run((context) -> assertThat(context).doesNotHaveBean(GrpcLbChannelRegistry.class));
	}

	@Test
	void whenTheShadedNettyTransportIsMissingThenItBacksOff() {
		this.runner.withClassLoader(new FilteredClassLoader(NettyChannelBuilder.class))
			.run((context) -> assertThat(context).doesNotHaveBean(GrpcLbChannelRegistry.class));
	}

	@org.junit.jupiter.params.ParameterizedTest(name = "grpc.lb.enabled={0}")
	@org.junit.jupiter.params.provider.ValueSource(strings = { "off", "0", "no", "OFF", " false " })
	void everyFormOfFalseSwitchesTheStarterOff(String off) {
		this.runner.withPropertyValues("grpc.lb.enabled=" + off).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(GrpcLbChannelRegistry.class);
		});
	}

	@org.junit.jupiter.params.ParameterizedTest(name = "integration switch={0}")
	@org.junit.jupiter.params.provider.ValueSource(strings = { "off", "0", "no" })
	void everyFormOfFalseSwitchesTheIntegrationOff(String off) {
		this.runner.withPropertyValues(TestContexts.INTEGRATION_FLAG + "=" + off)
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(TestContexts.INTEGRATION_BEAN));
	}

	@org.junit.jupiter.params.ParameterizedTest(name = "grpc.lb.enabled={0}")
	@org.junit.jupiter.params.provider.ValueSource(strings = { "on", "1", "yes", "TRUE" })
	void everyFormOfTrueKeepsTheStarterOn(String on) {
		this.runner.withPropertyValues("grpc.lb.enabled=" + on)
			.run((context) -> assertThat(context).hasSingleBean(PooledChannelRegistry.class));
	}

	@org.junit.jupiter.params.ParameterizedTest(name = "{0}=flase")
	@org.junit.jupiter.params.provider.ValueSource(strings = { "grpc.lb.enabled", TestContexts.INTEGRATION_FLAG })
	void aSwitchThatIsNeitherTrueNorFalseFailsStartupNamingIt(String property) {
		this.runner.withPropertyValues(property + "=flase").run((context) -> {
			assertThat(context).hasFailed();
			Throwable cause = context.getStartupFailure();
			while (cause != null && !(cause instanceof GrpcLbConfigurationException)) {
				cause = cause.getCause();
			}
			assertThat(cause).isInstanceOfSatisfying(GrpcLbConfigurationException.class, (ex) -> {
				assertThat(ex.getProperty()).isEqualTo(property);
				assertThat(ex.getMessage()).contains("neither true nor false");
			});
		});
	}

	@Test
	void whenNoMeterRegistryThenNoMetricsBeans() {
		this.runner.run((context) -> {
			assertThat(context).doesNotHaveBean(MeterRegistry.class);
			assertThat(context).doesNotHaveBean(ChannelMetrics.class);
		});
	}

	@Test
	void whenAMeterRegistryIsPresentThenMetricsAreBound() {
		TestContexts.runnerWithMetrics().withPropertyValues("grpc.lb.clients.orders.target=orders.test:9090")
			.run((context) -> {
				assertThat(context).hasSingleBean(ChannelMetrics.class);
				assertThat(context).hasSingleBean(DialMetrics.class);
				assertThat(context.getBean(MeterRegistry.class).get("grpc.lb.channels").gauge().value()).isZero();
			});
	}

	@Test
	void whenTheCapOnBackendSeriesIsBelowOneThenStartupFailsNamingIt() {
		TestContexts.runnerWithMetrics()
			.withPropertyValues("grpc.lb.clients.orders.target=orders.test:9090",
					"grpc.lb.metrics.max-backends-per-client=0")
			.run((context) -> {
				assertThat(context).hasFailed();
				Throwable cause = context.getStartupFailure();
				while (cause != null && !(cause instanceof GrpcLbConfigurationException)) {
					cause = cause.getCause();
				}
				assertThat(cause).isInstanceOfSatisfying(GrpcLbConfigurationException.class,
						(ex) -> assertThat(ex.getProperty()).isEqualTo("grpc.lb.metrics.max-backends-per-client"));
			});
	}

	@Test
	void whenMicrometerIsMissingThenTheStarterStillWorks() {
		this.runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run((context) -> {
			assertThat(context).hasSingleBean(GrpcLbChannelRegistry.class);
			assertThat(context).doesNotHaveBean(ChannelMetrics.class);
		});
	}

	@Test
	void whenAClientOverridesSomeDefaultsThenTheRestComeFromTheDefaults() {
		this.runner
			.withPropertyValues("grpc.lb.defaults.keepalive-time=30s", "grpc.lb.defaults.deadline=2s",
					"grpc.lb.defaults.retry.max-attempts=4", "grpc.lb.clients.orders.deadline=5s",
					"grpc.lb.clients.payments.target=dns:///payments.test:8443",
					"grpc.lb.clients.payments.policy=pick_first",
					"grpc.lb.clients.payments.retry.retryable-status-codes=unavailable,resource_exhausted")
			.run((context) -> {
				ClientSettingsResolver resolver = context.getBean(ClientSettingsResolver.class);
				ChannelSettings orders = resolver.forClient("orders");
				assertThat(orders.keepaliveTime()).hasSeconds(30);
				assertThat(orders.deadline()).hasSeconds(5);
				assertThat(orders.retry().maxAttempts()).isEqualTo(4);
				assertThat(orders.policy()).isEqualTo("round_robin");
				ChannelSettings payments = resolver.forClient("payments");
				assertThat(payments.target()).isEqualTo("dns:///payments.test:8443");
				assertThat(payments.policy()).isEqualTo("pick_first");
				assertThat(payments.deadline()).hasSeconds(2);
				assertThat(payments.retry().retryableStatusCodes()).containsExactly("UNAVAILABLE",
						"RESOURCE_EXHAUSTED");
				assertThat(payments.keepaliveTimeout()).hasSeconds(5);
			});
	}

}
