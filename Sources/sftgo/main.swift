import SFTGOCLI
SFTGOCommand.main()
