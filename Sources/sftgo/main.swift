import SFTGOCLI
CommandLineChecks.main(SFTGOCommand.self)
