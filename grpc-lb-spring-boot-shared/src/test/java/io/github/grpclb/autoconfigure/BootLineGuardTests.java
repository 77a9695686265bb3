package io.github.grpclb.autoconfigure;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import io.github.grpclb.test.TestContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.DefaultResourceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The starter of one Boot line on the other line's Boot, or both lines' jars at once, stop a real
 * {@code SpringApplication} before any bean exists, with an analysis naming the starter to use. The other line's
 * jar is stood in for by its real line resource (from the other module's sources) on this line's classpath.
 */
class BootLineGuardTests {

	@TempDir
	Path otherJar;

	@Test
	void theOtherLinesStarterAloneStopsStartupNamingTheStarterForThisBoot() throws Exception {
		FilteredClassLoader withoutThisLine = new FilteredClassLoader(
				new ClassPathResource(BootLineGuard.LINE_RESOURCE));
		Throwable failure = catchThrowable(() -> start(otherLinesJarOn(withoutThisLine)));
		assertThat(failure).isInstanceOf(WrongBootLineException.class);
		FailureAnalysis analysis = new WrongBootLineFailureAnalyzer().analyze(failure);
		assertThat(analysis.getDescription()).contains(otherLine().getProperty("artifact"))
			.contains("is built for Spring Boot " + otherLine().getProperty("boot-versions"))
			.contains("runs on Spring Boot " + thisLine().getProperty("boot-versions"));
		assertThat(analysis.getAction())
			.startsWith("Depend on io.github.grpclb:" + thisLine().getProperty("artifact") + " and remove");
	}

	@Test
	void bothLinesStartersTogetherStopStartup() throws Exception {
		Throwable failure = catchThrowable(() -> start(otherLinesJarOn(getClass().getClassLoader())));
		assertThat(failure).isInstanceOf(WrongBootLineException.class)
			.hasMessageContaining("the jars of both Spring Boot lines")
			.hasMessageContaining("grpc-lb-spring-boot-starter and grpc-lb-spring-boot4-starter")
			.hasMessageContaining("Depend on " + thisLine().getProperty("artifact") + " alone");
	}

	@Test
	void thisLinesStarterStarts() {
		try (ConfigurableApplicationContext context = start(getClass().getClassLoader())) {
			assertThat(context.isActive()).isTrue();
		}
	}

	/** A class loader that also sees the other line's jar, as far as the guard reads it. */
	private ClassLoader otherLinesJarOn(ClassLoader parent) throws Exception {
		Path metaInf = Files.createDirectories(this.otherJar.resolve("META-INF"));
		Files.copy(TestContexts.OTHER_LINE_RESOURCES.resolve(BootLineGuard.LINE_RESOURCE),
				metaInf.resolve("grpc-lb-spring-boot-line.properties"));
		return new URLClassLoader(new URL[] { this.otherJar.toUri().toURL() }, parent);
	}

	private static ConfigurableApplicationContext start(ClassLoader classLoader) {
		SpringApplication application = new SpringApplication(new DefaultResourceLoader(classLoader), App.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		return application.run();
	}

	private static Properties thisLine() throws Exception {
		Properties line = new Properties();
		try (var in = new ClassPathResource(BootLineGuard.LINE_RESOURCE).getInputStream()) {
			line.load(in);
		}
		return line;
	}

	private static Properties otherLine() throws Exception {
		Properties line = new Properties();
		try (var in = Files.newInputStream(TestContexts.OTHER_LINE_RESOURCES.resolve(BootLineGuard.LINE_RESOURCE))) {
			line.load(in);
		}
		return line;
	}

	@Configuration(proxyBeanMethods = false)
	@Import(TestContexts.ClientAutoConfigurations.class)
	static class App {

	}

}
