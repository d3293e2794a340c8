import SFTGOCLI
BenchCommand.main()
