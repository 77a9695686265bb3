package io.github.grpclb.bench.boot4;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.github.grpclb.bench.LoadProtocol;
import io.github.grpclb.bench.proto.BenchServiceGrpc;
import io.github.grpclb.client.GrpcLbClient;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.client.GrpcChannelFactory;

/**
 * The benchmark's Spring Boot 4 variants, in a child JVM the benchmark ({@code BenchmarkMain} in {@code benchmarks})
 * starts once per run and drives with {@link LoadProtocol} over standard input and output: a Boot 4.1 application,
 * configured only through properties like the Boot 3.5 variants, that holds
 * <ul>
 * <li>{@value #STARTER}: a {@code @GrpcLbClient} stub of grpc-lb-spring-boot4-starter with the starter's defaults;</li>
 * <li>{@value #SPRING_GRPC}: a stub on Spring gRPC's own channel ({@code GrpcChannelFactory.createChannel}) with
 * Spring gRPC's defaults, which the starter leaves alone ({@code grpc.lb.spring-grpc.enabled=false}, as the
 * net.devh variants run with {@code grpc.lb.net-devh.enabled=false}).</li>
 * </ul>
 * Both target {@code --target} (the {@code dns:///} target of the Boot 3.5 {@code starter} variant). The JVM must
 * resolve its host as the benchmark does (the benchmark passes its {@code -D} options on).
 */
public final class Boot4LoadMain {

	/** Key of the Boot 4 starter's variant. */
	public static final String STARTER = "starter-boot4";

	/** Key of Spring gRPC's own channel's variant (also its channel name). */
	public static final String SPRING_GRPC = "spring-grpc";

	private Boot4LoadMain() {
	}

	public static void main(String[] args) {
		// Standard output carries the protocol only: everything else that writes to System.out (logging) goes to
		// standard error, which the benchmark shows.
		PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
		System.setOut(System.err);
		ConfigurableApplicationContext context;
		try {
			context = start(target(args));
		}
		catch (Throwable ex) {
			protocol.println(LoadProtocol.error("the Spring Boot 4 application did not start: " + ex));
			System.exit(1);
			return;
		}
		try (context) {
			Stubs stubs = context.getBean(Stubs.class);
			Map<String, Supplier<BenchServiceGrpc.BenchServiceStub>> variants = new LinkedHashMap<>();
			variants.put(STARTER, () -> stubs.starter);
			variants.put(SPRING_GRPC, () -> stubs.springGrpc);
			protocol.println(LoadProtocol.READY + " " + String.join(",", variants.keySet()));
			LoadProtocol.serve(variants, new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
					protocol);
		}
		System.exit(0);
	}

	private static String target(String[] args) {
		for (String arg : args) {
			if (arg.startsWith("--target=")) {
				return arg.substring("--target=".length());
			}
		}
		throw new IllegalArgumentException("usage: --target=dns:///host:port");
	}

	static ConfigurableApplicationContext start(String target) {
		Map<String, Object> properties = new HashMap<>();
		properties.put("logging.level.root", "WARN");
		properties.put("grpc.lb.clients.plain.target", target);
		properties.put("spring.grpc.client.channel." + SPRING_GRPC + ".target", target);
		// Spring gRPC's own channel keeps Spring gRPC's defaults: the starter must not apply its settings to it.
		properties.put("grpc.lb.spring-grpc.enabled", "false");
		return new SpringApplicationBuilder(BenchApplication.class, Stubs.class).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties(properties)
			.run();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class BenchApplication {

	}

	/** The two variants' stubs, obtained the way applications get them. */
	static class Stubs {

		@GrpcLbClient("plain")
		BenchServiceGrpc.BenchServiceStub starter;

		final BenchServiceGrpc.BenchServiceStub springGrpc;

		Stubs(GrpcChannelFactory channels) {
			this.springGrpc = BenchServiceGrpc.newStub(channels.createChannel(SPRING_GRPC));
		}

	}

}
