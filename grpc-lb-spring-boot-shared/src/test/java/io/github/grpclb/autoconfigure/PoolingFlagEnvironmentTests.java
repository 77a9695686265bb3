package io.github.grpclb.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import io.github.grpclb.channel.DialPerRequestChannelRegistry;
import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.channel.PooledChannelRegistry;
import io.github.grpclb.test.TestContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The pooling flag as operators set it: environment variables, including the legacy name, through a real
 * {@link SpringApplication} (so the environment post-processor from {@code spring.factories} runs). Every form
 * Spring's boolean conversion accepts works; anything else stops startup naming where it was set.
 */
@ExtendWith(OutputCaptureExtension.class)
class PoolingFlagEnvironmentTests {

	/** Forms of true besides "true" itself: Spring's boolean conversion ignores case and surrounding space. */
	static Stream<String> trueForms() {
		return Stream.of("1", "on", "yes", "ON", "Yes", " on", "yes ");
	}

	/** Forms of false besides "false" itself. */
	static Stream<String> falseForms() {
		return Stream.of("0", "off", "no", "OFF", "No", " 0", "off ", "FALSE ");
	}

	@Test
	void whenNoVariableIsSetThenChannelsArePooled() {
		assertThat(registryWith(Map.of())).isEqualTo(PooledChannelRegistry.class);
	}

	@Test
	void whenGrpcLbPoolingEnabledIsFalseThenEachCallDials() {
		assertThat(registryWith(Map.of("GRPC_LB_POOLING_ENABLED", "false")))
			.isEqualTo(DialPerRequestChannelRegistry.class);
	}

	@Test
	void whenTheLegacyVariableIsFalseThenEachCallDials() {
		assertThat(registryWith(Map.of("GRPC_CONNECTION_POOLING_ENABLED", "false")))
			.isEqualTo(DialPerRequestChannelRegistry.class);
	}

	@Test
	void whenBothVariablesAreSetThenTheNewNameWins() {
		assertThat(registryWith(Map.of("GRPC_CONNECTION_POOLING_ENABLED", "false", "GRPC_LB_POOLING_ENABLED", "true")))
			.isEqualTo(PooledChannelRegistry.class);
	}

	@Test
	void whenTheLegacyVariableIsSetButApplicationPropertiesSayOtherwiseThenThePropertyWins() {
		assertThat(registryWith(Map.of("GRPC_CONNECTION_POOLING_ENABLED", "false"), "--grpc.lb.pooling.enabled=true"))
			.isEqualTo(PooledChannelRegistry.class);
	}

	@ParameterizedTest(name = "GRPC_LB_POOLING_ENABLED=''{0}''")
	@MethodSource("trueForms")
	void whenGrpcLbPoolingEnabledIsAnyFormOfTrueThenChannelsArePooled(String value) {
		assertThat(registryWith(Map.of("GRPC_LB_POOLING_ENABLED", value))).isEqualTo(PooledChannelRegistry.class);
	}

	@ParameterizedTest(name = "GRPC_LB_POOLING_ENABLED=''{0}''")
	@MethodSource("falseForms")
	void whenGrpcLbPoolingEnabledIsAnyFormOfFalseThenEachCallDials(String value) {
		assertThat(registryWith(Map.of("GRPC_LB_POOLING_ENABLED", value)))
			.isEqualTo(DialPerRequestChannelRegistry.class);
	}

	@ParameterizedTest(name = "GRPC_CONNECTION_POOLING_ENABLED=''{0}''")
	@MethodSource("trueForms")
	void whenTheLegacyVariableIsAnyFormOfTrueThenChannelsArePooled(String value) {
		assertThat(registryWith(Map.of("GRPC_CONNECTION_POOLING_ENABLED", value)))
			.isEqualTo(PooledChannelRegistry.class);
	}

	@ParameterizedTest(name = "GRPC_CONNECTION_POOLING_ENABLED=''{0}''")
	@MethodSource("falseForms")
	void whenTheLegacyVariableIsAnyFormOfFalseThenEachCallDials(String value) {
		assertThat(registryWith(Map.of("GRPC_CONNECTION_POOLING_ENABLED", value)))
			.isEqualTo(DialPerRequestChannelRegistry.class);
	}

	@ParameterizedTest(name = "--grpc.connection.pooling.enabled=''{0}''")
	@MethodSource("falseForms")
	void whenTheLegacyNameInRelaxedFormIsAnyFormOfFalseThenEachCallDials(String value) {
		assertThat(registryWith(Map.of(), "--grpc.connection.pooling.enabled=" + value))
			.isEqualTo(DialPerRequestChannelRegistry.class);
	}

	@ParameterizedTest(name = "--grpc.lb.pooling.enabled=''{0}''")
	@MethodSource("trueForms")
	void whenThePropertyIsAnyFormOfTrueThenChannelsArePooled(String value) {
		assertThat(registryWith(Map.of(), "--grpc.lb.pooling.enabled=" + value)).isEqualTo(PooledChannelRegistry.class);
	}

	@ParameterizedTest(name = "--grpc.lb.pooling.enabled=''{0}''")
	@MethodSource("falseForms")
	void whenThePropertyIsAnyFormOfFalseThenEachCallDials(String value) {
		assertThat(registryWith(Map.of(), "--grpc.lb.pooling.enabled=" + value))
			.isEqualTo(DialPerRequestChannelRegistry.class);
	}

	@ParameterizedTest(name = "enabled: {0}")
	@ValueSource(strings = { "'0'", "\"off\"", "'No'" })
	void whenTheApplicationYamlSaysAQuotedFormOfFalseThenEachCallDials(String value, @TempDir Path dir)
			throws IOException {
		// Unquoted, YAML reads off/no as a boolean already (and 0 as a number, below).
		Path yaml = write(dir, "grpc:\n  lb:\n    pooling:\n      enabled: " + value + "\n");
		assertThat(registryWith(Map.of(), "--spring.config.location=file:" + yaml))
			.isEqualTo(DialPerRequestChannelRegistry.class);
	}

	@Test
	void whenTheApplicationYamlSaysAnUnquotedZeroThenStartupFailsSayingToQuoteIt(@TempDir Path dir)
			throws IOException {
		// YAML reads it as the number 0, which Spring's binder converts to no boolean, here or anywhere else.
		Path yaml = write(dir, "grpc:\n  lb:\n    pooling:\n      enabled: 0\n");
		FailureAnalysis analysis = analysisOfFailureWith(Map.of(), "--spring.config.location=file:" + yaml);
		assertThat(analysis.getDescription()).contains("grpc.lb.pooling.enabled").contains("application.yml] - 4:16");
		assertThat(analysis.getAction()).contains("quote 0 and 1");
	}

	@ParameterizedTest(name = "GRPC_LB_POOLING_ENABLED=''{0}''")
	@ValueSource(strings = { "flase", "2", "enabled", "", " " })
	void whenGrpcLbPoolingEnabledIsNotABooleanThenStartupFailsNamingTheVariable(String value) {
		FailureAnalysis analysis = analysisOfFailureWith(Map.of("GRPC_LB_POOLING_ENABLED", value));
		assertThat(analysis.getDescription()).contains("grpc.lb.pooling.enabled")
			.contains("'" + value + "'")
			.contains("System Environment Property \"GRPC_LB_POOLING_ENABLED\"");
		assertThat(analysis.getAction()).contains("true or false");
	}

	@ParameterizedTest(name = "GRPC_CONNECTION_POOLING_ENABLED=''{0}''")
	@ValueSource(strings = { "flase", "2", "" })
	void whenTheLegacyVariableIsNotABooleanThenStartupFailsNamingTheLegacyVariable(String value) {
		FailureAnalysis analysis = analysisOfFailureWith(Map.of("GRPC_CONNECTION_POOLING_ENABLED", value));
		assertThat(analysis.getDescription()).contains("grpc.lb.pooling.enabled")
			.contains("'" + value + "'")
			.contains("System Environment Property \"GRPC_CONNECTION_POOLING_ENABLED\"");
		assertThat(analysis.getAction()).contains("GRPC_CONNECTION_POOLING_ENABLED").contains("true or false");
	}

	@Test
	void whenTheApplicationYamlHasAnInvalidFlagThenStartupFailsNamingTheFileAndLine(@TempDir Path dir,
			CapturedOutput output) throws IOException {
		Path yaml = write(dir, "grpc:\n  lb:\n    pooling:\n      enabled: flase\n");
		FailureAnalysis analysis = analysisOfFailureWith(Map.of(), "--spring.config.location=file:" + yaml);
		assertThat(analysis.getDescription()).contains("grpc.lb.pooling.enabled")
			.contains("'flase'")
			.contains(yaml.getFileName().toString() + "] - 4:16");
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Property: grpc.lb.pooling.enabled")
			.contains("true or false")
			.doesNotContain("No qualifying bean");
	}

	@Test
	void whenACommandLineArgumentIsInvalidThenStartupFailsNamingIt() {
		FailureAnalysis analysis = analysisOfFailureWith(Map.of(), "--grpc.lb.pooling.enabled=yes please");
		assertThat(analysis.getDescription()).contains("'yes please'").contains("commandLineArgs");
	}

	@Test
	void whenTheStarterIsDisabledThenAnInvalidFlagIsNotLookedAt() {
		SpringApplication application = application(Map.of("GRPC_LB_POOLING_ENABLED", "flase"));
		try (ConfigurableApplicationContext context = application.run("--grpc.lb.enabled=false")) {
			assertThat(context.getBeanNamesForType(GrpcLbChannelRegistry.class)).isEmpty();
		}
	}

	private static Path write(Path dir, String yaml) throws IOException {
		Path file = dir.resolve("application.yml");
		Files.writeString(file, yaml);
		return file;
	}

	private static FailureAnalysis analysisOfFailureWith(Map<String, Object> variables, String... args) {
		Throwable failure = catchThrowable(() -> registryWith(variables, args));
		assertThat(failure).as("startup failure").isNotNull();
		FailureAnalysis analysis = new GrpcLbConfigurationFailureAnalyzer().analyze(failure);
		assertThat(analysis).as("failure analysis of %s", failure).isNotNull();
		return analysis;
	}

	private static SpringApplication application(Map<String, Object> variables) {
		SpringApplication application = new SpringApplication(App.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setEnvironment(new FakeSystemEnvironment(variables));
		return application;
	}

	private static Class<? extends GrpcLbChannelRegistry> registryWith(Map<String, Object> variables, String... args) {
		SpringApplication application = application(variables);
		String[] allArgs = new String[args.length + 1];
		allArgs[0] = "--grpc.lb.clients.orders.target=orders.test:9090";
		System.arraycopy(args, 0, allArgs, 1, args.length);
		try (ConfigurableApplicationContext context = application.run(allArgs)) {
			return context.getBean(GrpcLbChannelRegistry.class).getClass();
		}
	}

	/** A standard environment whose "system environment" is the given map, as the OS would pass it. */
	static final class FakeSystemEnvironment extends StandardEnvironment {

		FakeSystemEnvironment(Map<String, Object> variables) {
			MutablePropertySources sources = getPropertySources();
			sources.replace(SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
					new SystemEnvironmentPropertySource(SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
							new HashMap<>(variables)));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@Import(TestContexts.ClientAutoConfigurations.class)
	static class App {

	}

}
