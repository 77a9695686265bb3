package probe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(OutputCaptureExtension.class)
class GuardTests {
	@Configuration(proxyBeanMethods = false) static class App { }

	@Test
	void rightLineStarts() {
		SpringApplication app = new SpringApplication(App.class);
		app.setWebApplicationType(WebApplicationType.NONE);
		app.run().close();
	}

	@Test
	void wrongLineFailsWithAnalysis(CapturedOutput output) {
		System.setProperty("probe.expect", TestContexts.LINE.equals("boot4") ? "3" : "4");
		try {
			SpringApplication app = new SpringApplication(App.class);
			app.setWebApplicationType(WebApplicationType.NONE);
			assertThatThrownBy(app::run).isInstanceOf(WrongBootLineException.class);
		} finally { System.clearProperty("probe.expect"); }
		System.out.println("CAPTURED-ANALYSIS=" + output.getOut().contains("GUARD: running on Boot") + " " + output.getAll().contains("APPLICATION FAILED TO START"));
		assertThat(output).contains("GUARD: running on Boot").contains("Use the other artifact.");
	}
}
