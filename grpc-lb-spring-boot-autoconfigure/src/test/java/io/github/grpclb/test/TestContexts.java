package io.github.grpclb.test;

import java.nio.file.Path;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.github.grpclb.autoconfigure.GrpcLbActuatorAutoConfiguration;
import io.github.grpclb.autoconfigure.GrpcLbAutoConfiguration;
import io.github.grpclb.autoconfigure.GrpcLbHealthContributorAutoConfiguration;
import io.github.grpclb.autoconfigure.GrpcLbMetricsAutoConfiguration;
import io.github.grpclb.autoconfigure.GrpcLbServerAutoConfiguration;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.grpc.ClientInterceptor;
import io.grpc.ServerBuilder;
import net.devh.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;
import net.devh.boot.grpc.client.inject.GrpcClient;
import net.devh.boot.grpc.client.interceptor.GrpcGlobalClientInterceptor;
import net.devh.boot.grpc.client.stubfactory.StubFactory;
import net.devh.boot.grpc.server.autoconfigure.GrpcHealthServiceAutoConfiguration;
import net.devh.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration;
import net.devh.boot.grpc.server.autoconfigure.GrpcServerFactoryAutoConfiguration;
import net.devh.boot.grpc.server.serverfactory.GrpcServerConfigurer;
import net.devh.boot.grpc.server.service.GrpcService;

import org.springframework.boot.actuate.autoconfigure.availability.AvailabilityProbesAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.health.CompositeHealth;
import org.springframework.boot.actuate.health.HealthComponent;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Context runners with the auto-configurations a user of the starter gets, on this module's Boot line (3.5, with
 * net.devh). Each Boot line's module has a class of this name with the same members, so the shared tests run on
 * both.
 */
public final class TestContexts {

	/** The main resources of the other Boot line's autoconfigure module (for the wrong-line guard tests). */
	public static final Path OTHER_LINE_RESOURCES = Path.of("../grpc-lb-spring-boot4-autoconfigure/src/main/resources");

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
		return withMetrics(runner());
	}

	/**
	 * @param runner a runner
	 * @return the runner plus Boot's metrics auto-configuration with a simple registry
	 */
	public static ApplicationContextRunner withMetrics(ApplicationContextRunner runner) {
		return runner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class));
	}

	/**
	 * A runner whose context also has a client of the gRPC integration itself (net.devh's {@code @GrpcClient}),
	 * not the starter's.
	 * @param runner a runner
	 * @param name the integration's channel name (only "orders" here)
	 * @param address its address
	 * @return the runner
	 */
	public static ApplicationContextRunner withIntegrationClient(ApplicationContextRunner runner, String name,
			String address) {
		return runner.withBean(NetDevhOrders.class)
			.withPropertyValues("grpc.client." + name + ".address=" + address,
					"grpc.client." + name + ".negotiation-type=plaintext");
	}

	/** The bean that gives the integration's own channels the starter's settings (there while it is switched on). */
	public static final String INTEGRATION_BEAN = "grpcLbNetDevhChannelConfigurer";

	/** A class of the gRPC integration the starter needs: without it the starter backs off. */
	public static final Class<?> INTEGRATION_CLASS = StubFactory.class;

	/** The switch of the starter's settings for the integration's own channels. */
	public static final String INTEGRATION_FLAG = "grpc.lb.net-devh.enabled";

	/**
	 * @param name a channel of the integration
	 * @param policy a load-balancing policy
	 * @return the property that asks the integration for that policy on that channel
	 */
	public static String integrationPolicy(String name, String policy) {
		return "grpc.client." + name + ".default-load-balancing-policy=" + policy;
	}

	/**
	 * @param context a context from {@link #withIntegrationClient}
	 * @param name the channel name given there
	 * @return the integration's stub
	 */
	public static EchoServiceGrpc.EchoServiceBlockingStub integrationClient(ApplicationContext context, String name) {
		return context.getBean(NetDevhOrders.class).stub;
	}

	static class NetDevhOrders {

		@GrpcClient("orders")
		EchoServiceGrpc.EchoServiceBlockingStub stub;

	}

	/**
	 * @param runner a runner
	 * @return the runner plus Actuator's endpoints and health (with probes) and the starter's endpoint and health
	 * contributor
	 */
	public static ApplicationContextRunner withActuator(ApplicationContextRunner runner) {
		return runner.withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class,
				HealthContributorAutoConfiguration.class, HealthEndpointAutoConfiguration.class,
				ApplicationAvailabilityAutoConfiguration.class, AvailabilityProbesAutoConfiguration.class,
				GrpcLbActuatorAutoConfiguration.class, GrpcLbHealthContributorAutoConfiguration.class));
	}

	/**
	 * @param context a context from {@link #withActuator}
	 * @param path the health path, e.g. "grpcLb", "orders"
	 * @return the status code the health endpoint reports there, e.g. "UP"
	 */
	public static String healthStatus(ApplicationContext context, String... path) {
		return context.getBean(HealthEndpoint.class).healthForPath(path).getStatus().getCode();
	}

	/**
	 * @param context a context from {@link #withActuator}
	 * @param path a group or composite path, or none for the root
	 * @return the names of the components the health endpoint reports there
	 */
	public static Set<String> healthComponents(ApplicationContext context, String... path) {
		HealthEndpoint endpoint = context.getBean(HealthEndpoint.class);
		HealthComponent health = (path.length == 0) ? endpoint.health() : endpoint.healthForPath(path);
		return (health instanceof CompositeHealth composite) ? composite.getComponents().keySet() : Set.of();
	}

	/**
	 * @param value an endpoint's answer
	 * @return it as JSON, as Actuator writes it (Jackson 2 on this line)
	 */
	public static String json(Object value) throws Exception {
		return new ObjectMapper().registerModule(new JavaTimeModule())
			.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
			.writeValueAsString(value);
	}

	/** Switches the gRPC starter's own health service off. */
	public static final String SERVER_HEALTH_SERVICE_OFF = "grpc.server.health-service-enabled=false";

	/**
	 * @param runner a runner
	 * @param port the port to serve on (127.0.0.1)
	 * @return the runner plus the gRPC starter's server (net.devh's) serving Echo, the starter's server settings and
	 * a count of the server's connections ({@link #serverConnections})
	 */
	public static ApplicationContextRunner withEchoServer(ApplicationContextRunner runner, int port) {
		return runner
			.withConfiguration(AutoConfigurations.of(GrpcServerAutoConfiguration.class,
					GrpcServerFactoryAutoConfiguration.class, GrpcHealthServiceAutoConfiguration.class,
					GrpcLbServerAutoConfiguration.class))
			.withUserConfiguration(Echo.class, ServerConnections.class)
			.withPropertyValues("grpc.server.address=127.0.0.1", "grpc.server.port=" + port);
	}

	/**
	 * @param context a context from {@link #withEchoServer}
	 * @return how many connections its server has accepted
	 */
	public static int serverConnections(ApplicationContext context) {
		return context.getBean(ServerConnections.class).counter.count();
	}

	@GrpcService
	static class Echo extends PlainEcho {

	}

	static class ServerConnections implements GrpcServerConfigurer {

		final ConnectionCounter counter = new ConnectionCounter();

		@Override
		public void accept(ServerBuilder<?> builder) {
			builder.addTransportFilter(this.counter);
		}

	}

	/** Name of the global client interceptor bean {@link #withGlobalInterceptor} declares. */
	public static final String GLOBAL_INTERCEPTOR_BEAN = "testGlobalInterceptor";

	/**
	 * @param runner a runner
	 * @return the runner plus a global client interceptor declared as the gRPC integration wants it (net.devh's {@code @GrpcGlobalClientInterceptor}),
	 * which is the context's {@link GlobalInterceptorDelegate} bean: it needs that bean to be created
	 */
	public static ApplicationContextRunner withGlobalInterceptor(ApplicationContextRunner runner) {
		return runner.withUserConfiguration(GlobalInterceptor.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class GlobalInterceptor {

		@Bean(GLOBAL_INTERCEPTOR_BEAN)
		@GrpcGlobalClientInterceptor
		ClientInterceptor testGlobalInterceptor(GlobalInterceptorDelegate delegate) {
			// Its own instance: one object under two bean names would be two global interceptors.
			return delegate::interceptCall;
		}

	}

	/** The client auto-configurations of {@link #runner()}, for tests that start a {@code SpringApplication}. */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ GrpcClientAutoConfiguration.class, GrpcLbAutoConfiguration.class })
	public static class ClientAutoConfigurations {

	}

}
