package io.github.grpclb.client;

import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.autoconfigure.GrpcLbMetricsAutoConfiguration;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.proto.EchoRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application without Micrometer (the starter does not bring it: on Boot 3.5, with Micrometer but without
 * Actuator, net.devh's metrics auto-configuration fails startup). Every auto-configuration on the classpath is considered,
 * as in a real application, and calls work without metrics.
 */
class WithoutMicrometerTests {

	@RegisterExtension
	final BackendsExtension backends = new BackendsExtension(2);

	@Test
	void whenMicrometerAndActuatorAreAbsentThenTheApplicationStartsAndCallsWork() {
		new ApplicationContextRunner()
			.withClassLoader(new FilteredClassLoader("io.micrometer"))
			.withUserConfiguration(AllAutoConfigurations.class)
			.withBean(DistributionTests.ConstructorInjected.class)
			.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + this.backends.get().port(),
					// A gRPC server starter may be on the test classpath: keep its server off the fixed port 9090
					// (net.devh's on Boot 3.5, Spring gRPC's on Boot 4).
					"grpc.server.port=0", "spring.grpc.server.port=0")
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(GrpcLbMetricsAutoConfiguration.class);
				assertThat(context.getBean(DistributionTests.ConstructorInjected.class).stub
					.echo(EchoRequest.newBuilder().setMessage("no metrics").build())
					.getMessage()).isEqualTo("no metrics");
				assertThat(context.getBean(GrpcLbChannelRegistry.class).openChannels()).isEqualTo(1);
			});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class AllAutoConfigurations {

	}

}
