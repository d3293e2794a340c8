import SFTGOCLI
CommandLineChecks.main(BenchCommand.self)
