package io.github.grpclb.test;

import io.github.grpclb.autoconfigure.GrpcLbAutoConfiguration;
import io.github.grpclb.autoconfigure.GrpcLbMetricsAutoConfiguration;
import net.devh.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;

import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Context runners with the auto-configurations a user of the starter gets.
 */
public final class TestContexts {

	private TestContexts() {
	}

	/** @return a runner with net.devh's client auto-configuration and the starter's, without metrics */
	public static ApplicationContextRunner runner() {
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
				GrpcClientAutoConfiguration.class, GrpcLbAutoConfiguration.class,
				GrpcLbMetricsAutoConfiguration.class));
	}

	/** @return a runner as {@link #runner()}, plus Boot's metrics auto-configuration with a simple registry */
	public static ApplicationContextRunner runnerWithMetrics() {
		return runner().withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class));
	}

}
