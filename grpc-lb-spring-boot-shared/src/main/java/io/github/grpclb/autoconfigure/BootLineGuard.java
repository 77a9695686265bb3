package io.github.grpclb.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

import org.springframework.boot.SpringBootVersion;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;

/**
 * Stops startup, before any bean is created, when the starter's jar was built for another Spring Boot line than the
 * one running (the Boot 3.5 starter on Boot 4, or the other way round), or when the jars of both lines are on the
 * classpath. Each line's jar says which line it is in {@value #LINE_RESOURCE}; the running line is told apart by a
 * class that Boot 4 moved ({@code BootstrapRegistry}).
 */
public class BootLineGuard implements ApplicationContextInitializer<ConfigurableApplicationContext>, Ordered {

	/** The resource in each line's jar that names its Boot line and starter. */
	static final String LINE_RESOURCE = "META-INF/grpc-lb-spring-boot-line.properties";

	private static final String BOOT4_MARKER = "org.springframework.boot.bootstrap.BootstrapRegistry";

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		ClassLoader classLoader = (context.getClassLoader() != null) ? context.getClassLoader()
				: ClassUtils.getDefaultClassLoader();
		check(classLoader);
	}

	static void check(ClassLoader classLoader) {
		int running = ClassUtils.isPresent(BOOT4_MARKER, classLoader) ? 4 : 3;
		List<Properties> lines = lines(classLoader);
		String use = (running >= 4) ? "grpc-lb-spring-boot4-starter" : "grpc-lb-spring-boot-starter";
		String version = SpringBootVersion.getVersion();
		String runningName = "Spring Boot " + ((version != null) ? version : running + ".x");
		if (lines.size() > 1) {
			throw new WrongBootLineException(runningName, "the jars of both Spring Boot lines of grpc-lb-spring-boot "
					+ "are on the classpath (" + artifacts(lines) + ")", use);
		}
		for (Properties line : lines) {
			if (!String.valueOf(running).equals(line.getProperty("boot-line"))) {
				throw new WrongBootLineException(runningName, line.getProperty("artifact") + " is built for Spring Boot "
						+ line.getProperty("boot-versions"), use);
			}
		}
	}

	private static List<Properties> lines(ClassLoader classLoader) {
		List<Properties> lines = new ArrayList<>();
		try {
			for (URL url : Collections.list(classLoader.getResources(LINE_RESOURCE))) {
				Properties line = new Properties();
				try (InputStream in = url.openStream()) {
					line.load(in);
				}
				lines.add(line);
			}
		}
		catch (IOException ex) {
			// Unreadable: nothing to compare, the application starts as it would without the guard.
		}
		return lines;
	}

	private static String artifacts(List<Properties> lines) {
		return String.join(" and ", lines.stream().map((line) -> line.getProperty("artifact")).sorted().toList());
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
